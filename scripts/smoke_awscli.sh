#!/usr/bin/env bash
# AWS CLI (v1) smoke test against a running tarn. Run by scripts/smoke.sh,
# which sets AWS_ENDPOINT_URL, the credentials and AWS_DEFAULT_REGION and
# puts the pinned `aws` on PATH. Every step checks its result.
set -euo pipefail
: "${AWS_ENDPOINT_URL:?}" "${AWS_ACCESS_KEY_ID:?}" "${AWS_SECRET_ACCESS_KEY:?}"
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-us-east-1}
work=${SMOKE_WORK:-$(mktemp -d)}
mkdir -p "$work"
cd "$work"

bucket=smoke-cli-$$-$RANDOM
steps=0
# Each aws call gets a 20 s read timeout: a stalled response fails fast.
aws() { command aws --cli-read-timeout 20 "$@"; }
step() { steps=$((steps + 1)); echo "awscli: [$steps] $*"; }
fail() { echo "awscli: FAIL: $*" >&2; exit 1; }
json() { python -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

step "s3 mb"
aws s3 mb "s3://$bucket" >/dev/null
aws s3api head-bucket --bucket "$bucket" >/dev/null

step "s3 cp small file up and down"
printf 'hello from the aws cli\n' >small.txt
aws s3 cp small.txt "s3://$bucket/small.txt" >/dev/null
aws s3 cp "s3://$bucket/small.txt" small.back >/dev/null
cmp small.txt small.back || fail "small file differs"

step "s3 cp 20 MiB file (multipart) up and down"
head -c $((20 << 20)) /dev/urandom >big.bin
aws s3 cp big.bin "s3://$bucket/dir/big.bin" >/dev/null
etag=$(aws s3api head-object --bucket "$bucket" --key dir/big.bin --query ETag --output text)
case $etag in *-3\"|*-3) ;; *) fail "big.bin ETag $etag: want a 3-part multipart ETag" ;; esac
aws s3 cp "s3://$bucket/dir/big.bin" big.back >/dev/null
[ "$(sha big.bin)" = "$(sha big.back)" ] || fail "big file differs"

step "s3 ls (buckets, bucket, prefix)"
aws s3 ls | grep -q " $bucket\$" || fail "bucket not in s3 ls"
out=$(aws s3 ls "s3://$bucket/")
grep -q ' small.txt$' <<<"$out" || fail "small.txt not listed: $out"
grep -q 'PRE dir/$' <<<"$out" || fail "dir/ prefix not listed: $out"
out=$(aws s3 ls "s3://$bucket/dir/")
grep -q " $((20 << 20)) big.bin\$" <<<"$out" || fail "big.bin not listed under dir/: $out"
out=$(aws s3 ls --recursive "s3://$bucket/")
[ "$(wc -l <<<"$out")" -eq 2 ] || fail "recursive ls: want 2 objects, got: $out"

step "s3 sync a tree up and back down"
mkdir -p tree/sub/deeper "tree/with space" tree/unicodé
printf 'a\n' >tree/a.txt
: >tree/empty
head -c 100000 /dev/urandom >tree/sub/b.bin
printf 'c\n' >tree/sub/deeper/c.txt
printf 'd\n' >"tree/with space/d e.txt"
printf 'u\n' >tree/unicodé/ü.txt
aws s3 sync tree "s3://$bucket/tree/" >/dev/null
n=$(aws s3 ls --recursive "s3://$bucket/tree/" | wc -l)
[ "$n" -eq 6 ] || fail "sync up: want 6 objects, got $n"
aws s3 sync "s3://$bucket/tree/" down >/dev/null
diff -r tree down || fail "sync round trip differs"
out=$(aws s3 sync tree "s3://$bucket/tree/")
[ -z "$out" ] || fail "second sync should copy nothing: $out"

step "s3api put-object-tagging / get-object-tagging"
aws s3api put-object-tagging --bucket "$bucket" --key small.txt \
	--tagging 'TagSet=[{Key=env,Value=smoke},{Key=team,Value=tarn}]'
tags=$(aws s3api get-object-tagging --bucket "$bucket" --key small.txt --output json |
	json "sorted((t['Key'], t['Value']) for t in d['TagSet'])")
[ "$tags" = "[('env', 'smoke'), ('team', 'tarn')]" ] || fail "tags: $tags"

step "s3api head-object"
h=$(aws s3api head-object --bucket "$bucket" --key small.txt --output json)
[ "$(json "d['ContentLength']" <<<"$h")" = "$(wc -c <small.txt)" ] || fail "head-object length: $h"
md5=$(md5sum small.txt | cut -d' ' -f1)
[ "$(json "d['ETag']" <<<"$h")" = "\"$md5\"" ] || fail "head-object ETag: $h"

step "s3api list-objects-v2 --max-items"
p1=$(aws s3api list-objects-v2 --bucket "$bucket" --prefix tree/ --max-items 4 --output json)
[ "$(json "len(d['Contents'])" <<<"$p1")" = 4 ] || fail "page 1: $p1"
tok=$(json "d['NextToken']" <<<"$p1")
p2=$(aws s3api list-objects-v2 --bucket "$bucket" --prefix tree/ --max-items 4 --starting-token "$tok" --output json)
[ "$(json "len(d['Contents'])" <<<"$p2")" = 2 ] || fail "page 2: $p2"
[ "$(json "'NextToken' in d" <<<"$p2")" = False ] || fail "page 2 has a NextToken: $p2"
keys=$( (json "'\n'.join(o['Key'] for o in d['Contents'])" <<<"$p1"; json "'\n'.join(o['Key'] for o in d['Contents'])" <<<"$p2") | sort -u | wc -l)
[ "$keys" -eq 6 ] || fail "pages hold $keys distinct keys, want 6"
p=$(aws s3api list-objects-v2 --bucket "$bucket" --prefix tree/ --page-size 2 --max-items 6 --output json)
[ "$(json "len(d['Contents'])" <<<"$p")" = 6 ] || fail "page-size 2 over 6 keys: $p"

step "s3api copy-object"
aws s3api copy-object --bucket "$bucket" --key copies/small.txt --copy-source "$bucket/small.txt" >/dev/null
aws s3api get-object --bucket "$bucket" --key copies/small.txt copy.back >/dev/null
cmp small.txt copy.back || fail "copy differs"
aws s3api copy-object --bucket "$bucket" --key copies/big.bin --copy-source "$bucket/dir/big.bin" >/dev/null
aws s3 cp "s3://$bucket/copies/big.bin" bigcopy.back >/dev/null
[ "$(sha big.bin)" = "$(sha bigcopy.back)" ] || fail "big copy differs"

step "s3api delete-objects"
out=$(aws s3api delete-objects --bucket "$bucket" --output json \
	--delete 'Objects=[{Key=copies/small.txt},{Key=copies/big.bin},{Key=does-not-exist}]')
[ "$(json "len(d.get('Deleted', []))" <<<"$out")" = 3 ] || fail "delete-objects: $out"
[ "$(json "len(d.get('Errors', []))" <<<"$out")" = 0 ] || fail "delete-objects errors: $out"
if aws s3api head-object --bucket "$bucket" --key copies/small.txt >/dev/null 2>&1; then
	fail "copies/small.txt still there after delete-objects"
fi

step "s3 cp --checksum-algorithm CRC32C, head-object --checksum-mode"
aws s3 cp small.txt "s3://$bucket/crc32c.txt" --checksum-algorithm CRC32C >/dev/null
h=$(aws s3api head-object --bucket "$bucket" --key crc32c.txt --checksum-mode ENABLED --output json)
want=$(python -c 'import base64,sys; from awscrt import checksums; print(base64.b64encode(checksums.crc32c(open(sys.argv[1],"rb").read()).to_bytes(4,"big")).decode())' small.txt)
[ "$(json "d.get('ChecksumCRC32C')" <<<"$h")" = "$want" ] || fail "CRC32C: $h (want $want)"

step "s3 presign (SigV4) and GET with urllib"
# The CLI v1 presigns with SigV2 unless told otherwise; tarn, like S3 for
# any bucket made since 2020, takes SigV4 only.
cfg=$(mktemp)
printf '[default]\ns3 =\n    signature_version = s3v4\n' >"$cfg"
url=$(AWS_CONFIG_FILE=$cfg aws s3 presign "s3://$bucket/small.txt" --expires-in 300)
rm -f "$cfg"
case $url in *X-Amz-Signature=*) ;; *) fail "presign did not use SigV4: $url" ;; esac
python -c 'import sys, urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1], timeout=10).read())' "$url" >presigned.back
cmp small.txt presigned.back || fail "presigned GET differs"

step "s3 rm --recursive"
aws s3 rm --recursive "s3://$bucket/" >/dev/null
out=$(aws s3 ls --recursive "s3://$bucket/" || true)
[ -z "$out" ] || fail "bucket not empty after rm --recursive: $out"

step "s3 rb"
aws s3 rb "s3://$bucket" >/dev/null
if aws s3api head-bucket --bucket "$bucket" >/dev/null 2>&1; then
	fail "bucket still there after rb"
fi
echo "awscli: $steps passed, 0 failed"
