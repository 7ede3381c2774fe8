package kms

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"io"

	"github.com/tarnhq/tarn/internal/errs"
)

func gcm(material []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(material)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

// keyForUse resolves id for an encrypting operation: the key must be
// Enabled, and a due automatic rotation happens first.
func (s *Store) keyForUse(ctx context.Context, op, account, id string) (*keyRecord, error) {
	k, err := s.find(op, account, id, true, true)
	if err != nil {
		return nil, err
	}
	if err := s.usable(op, k); err != nil {
		return nil, err
	}
	if k.RotationEnabled && !s.now().Before(k.NextRotation) {
		return s.rotateDue(ctx, op, k)
	}
	return k, nil
}

// seal encrypts plaintext under k's newest version.
func (s *Store) sealBlob(op string, k *keyRecord, plaintext []byte, encCtx map[string]string) ([]byte, error) {
	if len(k.ID) > maxKeyIDSize {
		return nil, errs.E(op, errs.Invalid, "key id too long for the blob format")
	}
	v := k.current()
	a, err := gcm(v.material)
	if err != nil {
		return nil, errs.E(op, err)
	}
	out := appendHeader(make([]byte, 0, 7+len(k.ID)+nonceSize+len(plaintext)+tagSize), k.ID, v.N)
	h := len(out)
	out = out[:h+nonceSize]
	if _, err := io.ReadFull(s.rand, out[h:]); err != nil {
		return nil, errs.E(op, err)
	}
	return a.Seal(out, out[h:], plaintext, blobAAD(k.Account, out[:h], encCtx)), nil
}

// openBlob decrypts b in account. wantKey, when set, must name the blob's
// key (IncorrectKeyException otherwise).
func (s *Store) openBlob(op, account, wantKey string, b []byte, encCtx map[string]string) ([]byte, *keyRecord, error) {
	p, err := parseBlob(b)
	if err != nil {
		return nil, nil, errInvalidCiphertext(op)
	}
	k, err := s.find(op, account, p.keyID, false, false)
	if err != nil {
		if errs.Is(errs.NotExist, err) {
			// A blob naming a key the caller does not have is either foreign
			// or forged: AWS reports it as invalid ciphertext.
			return nil, nil, errInvalidCiphertext(op)
		}
		return nil, nil, err
	}
	if wantKey != "" {
		w, err := s.find(op, account, wantKey, true, false)
		if err != nil {
			return nil, nil, err
		}
		if w.ID != k.ID {
			return nil, nil, kerr(op, errs.Invalid, CodeIncorrectKey,
				"The key ID in the request does not identify a CMK that can perform this operation.")
		}
	}
	if err := s.usable(op, k); err != nil {
		return nil, nil, err
	}
	v := k.version(p.keyVersion)
	if v == nil {
		return nil, nil, errInvalidCiphertext(op)
	}
	a, err := gcm(v.material)
	if err != nil {
		return nil, nil, errs.E(op, err)
	}
	plain, err := a.Open(nil, p.nonce, p.sealed, blobAAD(account, p.header, encCtx))
	if err != nil {
		return nil, nil, errInvalidCiphertext(op)
	}
	return plain, k, nil
}

// Encrypt encrypts up to 4096 bytes under keyID's newest version, binding
// encCtx.
func (s *Store) Encrypt(ctx context.Context, account, keyID string, plaintext []byte, encCtx map[string]string) (blob []byte, keyARN string, err error) {
	const op = "Encrypt"
	if len(plaintext) == 0 || len(plaintext) > MaxPlaintext {
		return nil, "", errValidation(op, "plaintext", "[SENSITIVE]",
			fmt.Sprintf("Member must have length between 1 and %d", MaxPlaintext))
	}
	k, err := s.keyForUse(ctx, op, account, keyID)
	if err != nil {
		return nil, "", err
	}
	blob, err = s.sealBlob(op, k, plaintext, encCtx)
	if err != nil {
		return nil, "", err
	}
	return blob, s.keyARN(k.Account, k.ID), nil
}

// Decrypt decrypts a blob made by Encrypt or GenerateDataKey in account; the
// blob names its key and version. A different encryption context or a
// tampered blob is InvalidCiphertextException.
func (s *Store) Decrypt(ctx context.Context, account string, blob []byte, encCtx map[string]string) (plaintext []byte, keyARN string, err error) {
	return s.DecryptWithKey(ctx, account, "", blob, encCtx)
}

// DecryptWithKey is Decrypt with an optional KeyId that must identify the
// blob's key (key id, ARN, alias or alias ARN).
func (s *Store) DecryptWithKey(ctx context.Context, account, keyID string, blob []byte, encCtx map[string]string) ([]byte, string, error) {
	const op = "Decrypt"
	if len(blob) == 0 || len(blob) > 6144 {
		return nil, "", errValidation(op, "ciphertextBlob", "[BLOB]", "Member must have length between 1 and 6144")
	}
	plain, k, err := s.openBlob(op, account, keyID, blob, encCtx)
	if err != nil {
		return nil, "", err
	}
	return plain, s.keyARN(k.Account, k.ID), nil
}

// DataKeySize resolves GenerateDataKey's KeySpec (AES_256, AES_128) or
// NumberOfBytes (1–1024): exactly one must be given.
func DataKeySize(op, spec string, n int) (int, error) {
	switch {
	case spec != "" && n != 0, spec == "" && n == 0:
		return 0, kerr(op, errs.Invalid, CodeValidation, "Please specify either number of bytes or key spec.")
	case spec == "AES_256":
		return 32, nil
	case spec == "AES_128":
		return 16, nil
	case spec != "":
		return 0, errValidation(op, "keySpec", spec, "Member must satisfy enum value set: [AES_256, AES_128]")
	case n < 1 || n > MaxDataKeyBytes:
		return 0, errValidation(op, "numberOfBytes", n, fmt.Sprintf("Member must have value between 1 and %d", MaxDataKeyBytes))
	}
	return n, nil
}

// GenerateDataKey returns nbytes (1–1024) random bytes and the same bytes
// encrypted under keyID's newest version with encCtx bound. This is the
// call SSE-KMS and Kinesis stream encryption make.
func (s *Store) GenerateDataKey(ctx context.Context, account, keyID string, encCtx map[string]string, nbytes int) (plaintext, blob []byte, keyARN string, err error) {
	const op = "GenerateDataKey"
	if _, err := DataKeySize(op, "", nbytes); err != nil {
		return nil, nil, "", err
	}
	k, err := s.keyForUse(ctx, op, account, keyID)
	if err != nil {
		return nil, nil, "", err
	}
	plaintext = make([]byte, nbytes)
	if _, err := io.ReadFull(s.rand, plaintext); err != nil {
		return nil, nil, "", errs.E(op, err)
	}
	blob, err = s.sealBlob(op, k, plaintext, encCtx)
	if err != nil {
		return nil, nil, "", err
	}
	return plaintext, blob, s.keyARN(k.Account, k.ID), nil
}

// ReEncryptResult is ReEncrypt's answer.
type ReEncryptResult struct {
	Blob         []byte
	SourceKeyARN string
	KeyARN       string
}

// ReEncrypt decrypts blob (under srcCtx, and srcKeyID when set) and
// encrypts the plaintext under dstKeyID with dstCtx, without returning it.
func (s *Store) ReEncrypt(ctx context.Context, account string, blob []byte, srcCtx map[string]string, srcKeyID, dstKeyID string, dstCtx map[string]string) (ReEncryptResult, error) {
	const op = "ReEncrypt"
	if len(blob) == 0 || len(blob) > 6144 {
		return ReEncryptResult{}, errValidation(op, "ciphertextBlob", "[BLOB]", "Member must have length between 1 and 6144")
	}
	if dstKeyID == "" {
		return ReEncryptResult{}, errValidation(op, "destinationKeyId", dstKeyID, "Member must have length greater than or equal to 1")
	}
	dst, err := s.keyForUse(ctx, op, account, dstKeyID)
	if err != nil {
		return ReEncryptResult{}, err
	}
	plain, src, err := s.openBlob(op, account, srcKeyID, blob, srcCtx)
	if err != nil {
		return ReEncryptResult{}, err
	}
	out, err := s.sealBlob(op, dst, plain, dstCtx)
	clear(plain)
	if err != nil {
		return ReEncryptResult{}, err
	}
	return ReEncryptResult{Blob: out, SourceKeyARN: s.keyARN(src.Account, src.ID), KeyARN: s.keyARN(dst.Account, dst.ID)}, nil
}
