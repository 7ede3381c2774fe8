package kmsapi_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"

	"github.com/tarnhq/tarn/internal/config"
	"github.com/tarnhq/tarn/internal/server/servertest"
)

var ctx = context.Background()

func wantErr(t *testing.T, err error, code string, msgPart ...string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
	for _, p := range msgPart {
		if !strings.Contains(ae.ErrorMessage(), p) {
			t.Fatalf("%s message %q lacks %q", code, ae.ErrorMessage(), p)
		}
	}
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func createKey(t *testing.T, c *kms.Client, desc string) *types.KeyMetadata {
	t.Helper()
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String(desc)})
	if err != nil {
		t.Fatal(err)
	}
	return out.KeyMetadata
}

func TestKeyLifecycle(t *testing.T) {
	s := servertest.Start(t)
	c := s.KMS()
	out := must[*kms.CreateKeyOutput](t)(c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("first"),
		Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("data")}}}))
	md := out.KeyMetadata
	if md.KeyState != types.KeyStateEnabled || !md.Enabled || md.KeySpec != types.KeySpecSymmetricDefault ||
		md.KeyUsage != types.KeyUsageTypeEncryptDecrypt || md.KeyManager != types.KeyManagerTypeCustomer ||
		*md.AWSAccountId != "000000000000" || *md.Arn != "arn:aws:kms:us-east-1:000000000000:key/"+*md.KeyId || md.CreationDate == nil {
		t.Fatalf("%+v", md)
	}
	id := *md.KeyId
	for _, ref := range []string{id, *md.Arn} {
		d := must[*kms.DescribeKeyOutput](t)(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(ref)}))
		if *d.KeyMetadata.Description != "first" {
			t.Fatal(d.KeyMetadata)
		}
	}
	_, err := c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String("00000000-0000-4000-8000-000000000000")})
	wantErr(t, err, "NotFoundException", "Key 'arn:aws:kms:us-east-1:000000000000:key/00000000-0000-4000-8000-000000000000' does not exist")
	_, err = c.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: types.KeySpecRsa2048})
	wantErr(t, err, "UnsupportedOperationException")

	must[*kms.UpdateKeyDescriptionOutput](t)(c.UpdateKeyDescription(ctx, &kms.UpdateKeyDescriptionInput{KeyId: &id, Description: aws.String("second")}))

	// Disable / enable round trip.
	blob := must[*kms.EncryptOutput](t)(c.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("hi")})).CiphertextBlob
	must[*kms.DisableKeyOutput](t)(c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &id}))
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("hi")})
	wantErr(t, err, "DisabledException", "is disabled.")
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
	wantErr(t, err, "DisabledException")
	d := must[*kms.DescribeKeyOutput](t)(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &id}))
	if d.KeyMetadata.KeyState != types.KeyStateDisabled || d.KeyMetadata.Enabled || *d.KeyMetadata.Description != "second" {
		t.Fatal(d.KeyMetadata)
	}
	must[*kms.EnableKeyOutput](t)(c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: &id}))
	if p := must[*kms.DecryptOutput](t)(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})); string(p.Plaintext) != "hi" {
		t.Fatal(p.Plaintext)
	}

	// Schedule deletion, then cancel: the key comes back Disabled.
	_, err = c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &id, PendingWindowInDays: aws.Int32(31)})
	wantErr(t, err, "ValidationException")
	sd := must[*kms.ScheduleKeyDeletionOutput](t)(c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &id, PendingWindowInDays: aws.Int32(7)}))
	if sd.KeyState != types.KeyStatePendingDeletion || *sd.PendingWindowInDays != 7 || sd.DeletionDate == nil || *sd.KeyId != *md.Arn {
		t.Fatalf("%+v", sd)
	}
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: &id, Plaintext: []byte("hi")})
	wantErr(t, err, "KMSInvalidStateException", "is pending deletion.")
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})
	wantErr(t, err, "KMSInvalidStateException")
	_, err = c.EnableKey(ctx, &kms.EnableKeyInput{KeyId: &id})
	wantErr(t, err, "KMSInvalidStateException")
	_, err = c.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &id})
	wantErr(t, err, "KMSInvalidStateException")
	must[*kms.CancelKeyDeletionOutput](t)(c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: &id}))
	_, err = c.CancelKeyDeletion(ctx, &kms.CancelKeyDeletionInput{KeyId: &id})
	wantErr(t, err, "KMSInvalidStateException")
	d = must[*kms.DescribeKeyOutput](t)(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: &id}))
	if d.KeyMetadata.KeyState != types.KeyStateDisabled || d.KeyMetadata.DeletionDate != nil {
		t.Fatal(d.KeyMetadata)
	}
}

func TestListKeysPaginationAndAccounts(t *testing.T) {
	s := servertest.Start(t)
	c := s.KMS()
	want := map[string]bool{}
	for i := 0; i < 5; i++ {
		want[*createKey(t, c, "k").KeyId] = true
	}
	got := map[string]bool{}
	p := kms.NewListKeysPaginator(c, &kms.ListKeysInput{Limit: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out := must[*kms.ListKeysOutput](t)(p.NextPage(ctx))
		pages++
		for _, k := range out.Keys {
			got[*k.KeyId] = true
		}
	}
	if pages != 3 || len(got) != 5 {
		t.Fatalf("pages %d keys %d", pages, len(got))
	}
	_, err := c.ListKeys(ctx, &kms.ListKeysInput{Limit: aws.Int32(1001)})
	wantErr(t, err, "ValidationException")

	// Another account sees none of root's keys and cannot use them.
	ak, sk := createAccount(t, s)
	other := s.KMSAs(ak, sk)
	out := must[*kms.ListKeysOutput](t)(other.ListKeys(ctx, &kms.ListKeysInput{}))
	if len(out.Keys) != 0 {
		t.Fatalf("other account sees %d keys", len(out.Keys))
	}
	for id := range want {
		_, err := other.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(id)})
		wantErr(t, err, "NotFoundException")
		break
	}
}

func TestAliases(t *testing.T) {
	s := servertest.Start(t)
	c := s.KMS()
	k1, k2 := createKey(t, c, "one"), createKey(t, c, "two")
	must[*kms.CreateAliasOutput](t)(c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: k1.KeyId}))
	_, err := c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: k2.KeyId})
	wantErr(t, err, "AlreadyExistsException", "alias/app already exists")
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("app"), TargetKeyId: k2.KeyId})
	wantErr(t, err, "InvalidAliasNameException")
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/aws/app"), TargetKeyId: k2.KeyId})
	wantErr(t, err, "NotAuthorizedException")
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/x"), TargetKeyId: aws.String("alias/app")})
	wantErr(t, err, "ValidationException")
	_, err = c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/x"), TargetKeyId: aws.String("nope")})
	wantErr(t, err, "NotFoundException")

	aliasARN := "arn:aws:kms:us-east-1:000000000000:alias/app"
	for _, ref := range []string{"alias/app", aliasARN} {
		blob := must[*kms.EncryptOutput](t)(c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String(ref), Plaintext: []byte("x")}))
		if *blob.KeyId != *k1.Arn {
			t.Fatalf("%s encrypted with %s", ref, *blob.KeyId)
		}
		d := must[*kms.DecryptOutput](t)(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob.CiphertextBlob, KeyId: aws.String(ref)}))
		if string(d.Plaintext) != "x" {
			t.Fatal(d.Plaintext)
		}
		_, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob.CiphertextBlob, KeyId: k2.KeyId})
		wantErr(t, err, "IncorrectKeyException")
	}
	must[*kms.UpdateAliasOutput](t)(c.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: k2.Arn}))
	d := must[*kms.DescribeKeyOutput](t)(c.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(aliasARN)}))
	if *d.KeyMetadata.KeyId != *k2.KeyId {
		t.Fatal("alias not updated")
	}
	_, err = c.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/none"), TargetKeyId: k2.KeyId})
	wantErr(t, err, "NotFoundException")
	for i := 0; i < 3; i++ {
		must[*kms.CreateAliasOutput](t)(c.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String("alias/p" + string(rune('a'+i))), TargetKeyId: k1.KeyId}))
	}
	var names []string
	p := kms.NewListAliasesPaginator(c, &kms.ListAliasesInput{Limit: aws.Int32(2)})
	for p.HasMorePages() {
		for _, a := range must[*kms.ListAliasesOutput](t)(p.NextPage(ctx)).Aliases {
			names = append(names, *a.AliasName)
		}
	}
	if strings.Join(names, ",") != "alias/app,alias/pa,alias/pb,alias/pc" {
		t.Fatal(names)
	}
	byKey := must[*kms.ListAliasesOutput](t)(c.ListAliases(ctx, &kms.ListAliasesInput{KeyId: k2.KeyId}))
	if len(byKey.Aliases) != 1 || *byKey.Aliases[0].TargetKeyId != *k2.KeyId || *byKey.Aliases[0].AliasArn != aliasARN {
		t.Fatalf("%+v", byKey.Aliases)
	}
	must[*kms.DeleteAliasOutput](t)(c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/app")}))
	_, err = c.DeleteAlias(ctx, &kms.DeleteAliasInput{AliasName: aws.String("alias/app")})
	wantErr(t, err, "NotFoundException")
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/app"), Plaintext: []byte("x")})
	wantErr(t, err, "NotFoundException", "Alias arn:aws:kms:us-east-1:000000000000:alias/app is not found.")
}

func TestEncryptionContextAndCrypto(t *testing.T) {
	s := servertest.Start(t)
	c := s.KMS()
	k := createKey(t, c, "")
	ec := map[string]string{"purpose": "test", "tenant": "a"}
	enc := must[*kms.EncryptOutput](t)(c.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("secret"), EncryptionContext: ec}))
	if enc.EncryptionAlgorithm != types.EncryptionAlgorithmSpecSymmetricDefault {
		t.Fatal(enc.EncryptionAlgorithm)
	}
	for _, bad := range []map[string]string{nil, {"purpose": "test"}, {"purpose": "test", "tenant": "b"}} {
		_, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: bad})
		wantErr(t, err, "InvalidCiphertextException")
	}
	tampered := bytes.Clone(enc.CiphertextBlob)
	tampered[len(tampered)-1] ^= 0x80
	_, err := c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: tampered, EncryptionContext: ec})
	wantErr(t, err, "InvalidCiphertextException")
	_, err = c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: []byte("garbage")})
	wantErr(t, err, "InvalidCiphertextException")
	dec := must[*kms.DecryptOutput](t)(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec}))
	if string(dec.Plaintext) != "secret" || *dec.KeyId != *k.Arn {
		t.Fatal(dec)
	}
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyId, Plaintext: make([]byte, 4097)})
	wantErr(t, err, "ValidationException")
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("x"), DryRun: aws.Bool(true)})
	wantErr(t, err, "DryRunOperationException")

	// Data keys.
	for spec, n := range map[types.DataKeySpec]int{types.DataKeySpecAes256: 32, types.DataKeySpecAes128: 16} {
		dk := must[*kms.GenerateDataKeyOutput](t)(c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: k.KeyId, KeySpec: spec, EncryptionContext: ec}))
		if len(dk.Plaintext) != n {
			t.Fatalf("%s: %d bytes", spec, len(dk.Plaintext))
		}
		p := must[*kms.DecryptOutput](t)(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: dk.CiphertextBlob, EncryptionContext: ec}))
		if !bytes.Equal(p.Plaintext, dk.Plaintext) {
			t.Fatal("data key round trip")
		}
	}
	dk := must[*kms.GenerateDataKeyOutput](t)(c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: k.KeyId, NumberOfBytes: aws.Int32(7)}))
	if len(dk.Plaintext) != 7 {
		t.Fatal(len(dk.Plaintext))
	}
	_, err = c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: k.KeyId})
	wantErr(t, err, "ValidationException", "either number of bytes or key spec")
	_, err = c.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: k.KeyId, NumberOfBytes: aws.Int32(1025)})
	wantErr(t, err, "ValidationException")
	np := must[*kms.GenerateDataKeyWithoutPlaintextOutput](t)(c.GenerateDataKeyWithoutPlaintext(ctx,
		&kms.GenerateDataKeyWithoutPlaintextInput{KeyId: k.KeyId, KeySpec: types.DataKeySpecAes256}))
	p := must[*kms.DecryptOutput](t)(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: np.CiphertextBlob}))
	if len(p.Plaintext) != 32 {
		t.Fatal(len(p.Plaintext))
	}

	// ReEncrypt moves a ciphertext to another key and context.
	k2 := createKey(t, c, "")
	re := must[*kms.ReEncryptOutput](t)(c.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob,
		SourceEncryptionContext: ec, DestinationKeyId: k2.KeyId, DestinationEncryptionContext: map[string]string{"n": "1"}}))
	if *re.SourceKeyId != *k.Arn || *re.KeyId != *k2.Arn {
		t.Fatal(re)
	}
	dec = must[*kms.DecryptOutput](t)(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: re.CiphertextBlob, EncryptionContext: map[string]string{"n": "1"}}))
	if string(dec.Plaintext) != "secret" || *dec.KeyId != *k2.Arn {
		t.Fatal(dec)
	}
	_, err = c.ReEncrypt(ctx, &kms.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: k2.KeyId})
	wantErr(t, err, "InvalidCiphertextException")

	// GenerateRandom.
	r := must[*kms.GenerateRandomOutput](t)(c.GenerateRandom(ctx, &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(1024)}))
	if len(r.Plaintext) != 1024 {
		t.Fatal(len(r.Plaintext))
	}
	for _, n := range []int32{0, 1025} {
		_, err = c.GenerateRandom(ctx, &kms.GenerateRandomInput{NumberOfBytes: aws.Int32(n)})
		wantErr(t, err, "ValidationException")
	}
}

func TestRotation(t *testing.T) {
	s := servertest.Start(t)
	c := s.KMS()
	k := createKey(t, c, "")
	st := must[*kms.GetKeyRotationStatusOutput](t)(c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: k.KeyId}))
	if st.KeyRotationEnabled {
		t.Fatal("rotation on by default")
	}
	_, err := c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: k.KeyId, RotationPeriodInDays: aws.Int32(30)})
	wantErr(t, err, "ValidationException")
	must[*kms.EnableKeyRotationOutput](t)(c.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: k.KeyId, RotationPeriodInDays: aws.Int32(180)}))
	st = must[*kms.GetKeyRotationStatusOutput](t)(c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: k.Arn}))
	if !st.KeyRotationEnabled || *st.RotationPeriodInDays != 180 || st.NextRotationDate == nil {
		t.Fatalf("%+v", st)
	}
	old := must[*kms.EncryptOutput](t)(c.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("v1")})).CiphertextBlob
	for i := 0; i < 2; i++ {
		must[*kms.RotateKeyOnDemandOutput](t)(c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: k.KeyId}))
	}
	cur := must[*kms.EncryptOutput](t)(c.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("v3")})).CiphertextBlob
	if bytes.Equal(old[:3+len(*k.KeyId)+4], cur[:3+len(*k.KeyId)+4]) {
		t.Fatal("new encryptions still use the first key version")
	}
	for blob, want := range map[*[]byte]string{&old: "v1", &cur: "v3"} {
		p := must[*kms.DecryptOutput](t)(c.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: *blob}))
		if string(p.Plaintext) != want {
			t.Fatal(p.Plaintext)
		}
	}
	var rots []types.RotationsListEntry
	p := kms.NewListKeyRotationsPaginator(c, &kms.ListKeyRotationsInput{KeyId: k.KeyId, Limit: aws.Int32(1)})
	for p.HasMorePages() {
		rots = append(rots, must[*kms.ListKeyRotationsOutput](t)(p.NextPage(ctx)).Rotations...)
	}
	if len(rots) != 2 || rots[0].RotationType != types.RotationTypeOnDemand || rots[0].RotationDate == nil {
		t.Fatalf("%+v", rots)
	}
	st = must[*kms.GetKeyRotationStatusOutput](t)(c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: k.KeyId}))
	if st.OnDemandRotationStartDate == nil {
		t.Fatal("no on-demand date")
	}
	must[*kms.DisableKeyRotationOutput](t)(c.DisableKeyRotation(ctx, &kms.DisableKeyRotationInput{KeyId: k.KeyId}))
	must[*kms.DisableKeyOutput](t)(c.DisableKey(ctx, &kms.DisableKeyInput{KeyId: k.KeyId}))
	_, err = c.RotateKeyOnDemand(ctx, &kms.RotateKeyOnDemandInput{KeyId: k.KeyId})
	wantErr(t, err, "DisabledException")
	_, err = c.GetKeyRotationStatus(ctx, &kms.GetKeyRotationStatusInput{KeyId: aws.String("alias/x")})
	wantErr(t, err, "ValidationException")
}

func TestTags(t *testing.T) {
	s := servertest.Start(t)
	c := s.KMS()
	k := createKey(t, c, "")
	var tags []types.Tag
	for _, kv := range []string{"c", "a", "b"} {
		tags = append(tags, types.Tag{TagKey: aws.String(kv), TagValue: aws.String("v" + kv)})
	}
	must[*kms.TagResourceOutput](t)(c.TagResource(ctx, &kms.TagResourceInput{KeyId: k.KeyId, Tags: tags}))
	_, err := c.TagResource(ctx, &kms.TagResourceInput{KeyId: k.KeyId, Tags: []types.Tag{{TagKey: aws.String("aws:x"), TagValue: aws.String("")}}})
	wantErr(t, err, "TagException")
	var got []string
	p := kms.NewListResourceTagsPaginator(c, &kms.ListResourceTagsInput{KeyId: k.Arn, Limit: aws.Int32(2)})
	for p.HasMorePages() {
		for _, tg := range must[*kms.ListResourceTagsOutput](t)(p.NextPage(ctx)).Tags {
			got = append(got, *tg.TagKey+"="+*tg.TagValue)
		}
	}
	if strings.Join(got, ",") != "a=va,b=vb,c=vc" {
		t.Fatal(got)
	}
	must[*kms.UntagResourceOutput](t)(c.UntagResource(ctx, &kms.UntagResourceInput{KeyId: k.KeyId, TagKeys: []string{"a", "zz"}}))
	out := must[*kms.ListResourceTagsOutput](t)(c.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: k.KeyId}))
	if len(out.Tags) != 2 || out.Truncated {
		t.Fatalf("%+v", out)
	}
	_, err = c.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: aws.String("missing")})
	wantErr(t, err, "NotFoundException")
}

func TestRestartKeepsKeysAndSealsMaterial(t *testing.T) {
	material := bytes.Repeat([]byte("0123456789abcdef"), 2)
	static := "suite-key:" + base64.StdEncoding.EncodeToString(material)
	s := servertest.Start(t, func(c *config.Config) { c.KMSStaticKeys = []string{static} })
	c := s.KMS()
	k := createKey(t, c, "kept")
	blob := must[*kms.EncryptOutput](t)(c.Encrypt(ctx, &kms.EncryptInput{KeyId: k.KeyId, Plaintext: []byte("persist")})).CiphertextBlob
	sblob := must[*kms.EncryptOutput](t)(c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("suite-key"), Plaintext: []byte("static")}))
	if *sblob.KeyId != "arn:aws:kms:us-east-1:000000000000:key/suite-key" {
		t.Fatal(*sblob.KeyId)
	}
	s.Stop(t)

	// No file under the data dir holds the static key's material.
	filepath.WalkDir(s.DataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, material) || bytes.Contains(b, []byte(base64.StdEncoding.EncodeToString(material))) {
			t.Errorf("%s contains the static key's material", path)
		}
		return nil
	})
	if fi, err := os.Stat(filepath.Join(s.DataDir, "kms-root.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("root key file: %v %v", fi, err)
	}

	s2 := servertest.StartConfig(t, s.Config)
	c2 := s2.KMS()
	if p := must[*kms.DecryptOutput](t)(c2.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob})); string(p.Plaintext) != "persist" {
		t.Fatal(p.Plaintext)
	}
	if p := must[*kms.DecryptOutput](t)(c2.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: sblob.CiphertextBlob})); string(p.Plaintext) != "static" {
		t.Fatal(p.Plaintext)
	}
	s2.Stop(t)

	// A different root key refuses to start, with a clear message.
	cfg := s.Config
	cfg.KMSRootKey = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))
	if _, err := startErr(cfg); err == nil || !strings.Contains(err.Error(), "not the one that sealed") {
		t.Fatalf("want root key mismatch, got %v", err)
	}
}

func TestAnonymousDenied(t *testing.T) {
	s := servertest.Start(t)
	c := kms.NewFromConfig(s.AWSConfig("", ""), func(o *kms.Options) { o.Credentials = aws.AnonymousCredentials{} })
	_, err := c.ListKeys(ctx, &kms.ListKeysInput{})
	// The edge refuses unsigned requests to every JSON service.
	wantErr(t, err, "MissingAuthenticationTokenException")
}

func TestBadInputChangesNothing(t *testing.T) {
	s := servertest.Start(t)
	c := s.KMS()
	_, err := c.CreateKey(ctx, &kms.CreateKeyInput{Tags: []types.Tag{{TagKey: aws.String("aws:reserved"), TagValue: aws.String("x")}}})
	wantErr(t, err, "TagException")
	_, err = c.CreateKey(ctx, &kms.CreateKeyInput{Origin: types.OriginTypeExternal})
	wantErr(t, err, "UnsupportedOperationException")
	if out := must[*kms.ListKeysOutput](t)(c.ListKeys(ctx, &kms.ListKeysInput{})); len(out.Keys) != 0 {
		t.Fatalf("a refused CreateKey left %d keys", len(out.Keys))
	}
	k := createKey(t, c, "")
	_, err = c.TagResource(ctx, &kms.TagResourceInput{KeyId: k.KeyId, Tags: []types.Tag{
		{TagKey: aws.String("ok"), TagValue: aws.String("1")}, {TagKey: aws.String("aws:no"), TagValue: aws.String("2")}}})
	wantErr(t, err, "TagException")
	if out := must[*kms.ListResourceTagsOutput](t)(c.ListResourceTags(ctx, &kms.ListResourceTagsInput{KeyId: k.KeyId})); len(out.Tags) != 0 {
		t.Fatalf("a refused TagResource left tags %+v", out.Tags)
	}
}
