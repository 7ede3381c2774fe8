#!/usr/bin/env python3
"""boto3 smoke test against a running tarn.

Run by scripts/smoke.sh with the pinned venv's python; AWS_ENDPOINT_URL,
the credentials and AWS_DEFAULT_REGION come from the environment. Prints
one summary line and exits non-zero on any failure.
"""
import base64
import hashlib
import os
import sys
import tempfile
import time
import traceback
import urllib.request
import zlib

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

MiB = 1 << 20

s3 = boto3.client(
    "s3",
    endpoint_url=os.environ["AWS_ENDPOINT_URL"],
    region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
    # s3v4: boto3 presigns with SigV2 for a custom endpoint otherwise, and
    # tarn (like AWS in every newer region) accepts SigV4 only.
    config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                  retries={"max_attempts": 1, "mode": "standard"}),
)
bucket = "smoke-boto3-%d-%d" % (os.getpid(), int(time.time()) % 100000)
work = os.environ.get("SMOKE_WORK") or tempfile.mkdtemp(prefix="tarn-boto3-")
os.makedirs(work, exist_ok=True)

passed, failed = [], []


def check(cond, msg):
    if not cond:
        raise AssertionError(msg)


def step(fn):
    name = fn.__name__
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - every failure is reported
        failed.append(name)
        print("boto3: FAIL %s: %s" % (name, e), file=sys.stderr)
        traceback.print_exc()
        if isinstance(e, ClientError):
            md = e.response.get("ResponseMetadata", {})
            print("boto3:   HTTP %s request-id %s" % (md.get("HTTPStatusCode"), md.get("RequestId")), file=sys.stderr)
    else:
        passed.append(name)
        print("boto3: ok   %s" % name)
    return fn


def b64(b):
    return base64.b64encode(b).decode()


def crc64nvme(data):
    # Reflected CRC-64/NVME, poly 0x9a6c9329ac4bc9b5, init and xorout all ones.
    poly, crc = 0x9A6C9329AC4BC9B5, 0xFFFFFFFFFFFFFFFF
    table = crc64nvme.table
    if table is None:
        table = []
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ poly if c & 1 else c >> 1
            table.append(c)
        crc64nvme.table = table
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFFFFFFFFFF


crc64nvme.table = None


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def expected_checksum(algo, data):
    if algo == "CRC32":
        return b64((zlib.crc32(data) & 0xFFFFFFFF).to_bytes(4, "big"))
    if algo == "CRC32C":
        return b64(crc32c(data).to_bytes(4, "big"))
    if algo == "SHA1":
        return b64(hashlib.sha1(data).digest())
    if algo == "SHA256":
        return b64(hashlib.sha256(data).digest())
    if algo == "CRC64NVME":
        return b64(crc64nvme(data).to_bytes(8, "big"))
    raise ValueError(algo)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(MiB), b""):
            h.update(chunk)
    return h.hexdigest()


@step
def create_bucket():
    s3.create_bucket(Bucket=bucket)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    check(bucket in names, "bucket %s not in ListBuckets %s" % (bucket, names))


@step
def put_get_checksums():
    data = os.urandom(64 * 1024 + 17)
    for algo in ("CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"):
        key = "checksum/" + algo
        want = expected_checksum(algo, data)
        put = s3.put_object(Bucket=bucket, Key=key, Body=data, ChecksumAlgorithm=algo)
        got = put.get("Checksum" + algo)
        check(got == want, "%s: PutObject returned checksum %r, want %r" % (algo, got, want))
        out = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        body = out["Body"].read()
        check(body == data, "%s: GetObject body differs" % algo)
        got = out.get("Checksum" + algo)
        check(got == want, "%s: GetObject checksum %r, want %r" % (algo, got, want))
        head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        got = head.get("Checksum" + algo)
        check(got == want, "%s: HeadObject checksum %r, want %r" % (algo, got, want))


@step
def transfer_30mib():
    src = os.path.join(work, "big.bin")
    dst = os.path.join(work, "big.back")
    with open(src, "wb") as f:
        f.write(os.urandom(30 * MiB))
    cfg = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB, max_concurrency=4)
    s3.upload_file(src, bucket, "big/big.bin", Config=cfg)
    head = s3.head_object(Bucket=bucket, Key="big/big.bin")
    check(head["ContentLength"] == 30 * MiB, "size %d" % head["ContentLength"])
    check(head["ETag"].endswith('-4"'), "ETag %s: want a 4-part multipart ETag" % head["ETag"])
    s3.download_file(bucket, "big/big.bin", dst, Config=cfg)
    check(sha256_file(src) == sha256_file(dst), "downloaded file differs")


@step
def presigned_get():
    data = b"presigned body \xe2\x9c\x93\n"
    s3.put_object(Bucket=bucket, Key="presigned/obj.txt", Body=data, ContentType="text/plain")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "presigned/obj.txt"}, ExpiresIn=300)
    with urllib.request.urlopen(url, timeout=10) as r:
        check(r.status == 200, "status %d" % r.status)
        body = r.read()
    check(body == data, "presigned body %r" % body)
    # A tampered signature is refused.
    bad = url.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    try:
        urllib.request.urlopen(bad, timeout=10)
        raise AssertionError("tampered presigned URL was accepted")
    except urllib.error.HTTPError as e:
        check(e.code == 403, "tampered presigned URL: HTTP %d, want 403" % e.code)


@step
def paginate_1200():
    prefix = "many/"
    want = sorted("%sk%05d" % (prefix, i) for i in range(1200))
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=8) as ex:
        list(ex.map(lambda k: s3.put_object(Bucket=bucket, Key=k, Body=k.encode()), want))
    pages, keys = 0, []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        pages += 1
        keys.extend(o["Key"] for o in page.get("Contents", []))
    check(pages == 2, "1,200 keys in %d pages, want 2 (1000 + 200)" % pages)
    check(keys == want, "paginated keys differ: %d keys" % len(keys))
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": 250}):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    check(keys == want, "paginated keys (page size 250) differ: %d keys" % len(keys))


@step
def no_such_key():
    try:
        s3.get_object(Bucket=bucket, Key="does/not/exist")
    except ClientError as e:
        code = e.response["Error"]["Code"]
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        check(code == "NoSuchKey" and status == 404, "got %s HTTP %s, want NoSuchKey 404" % (code, status))
    else:
        raise AssertionError("GetObject of a missing key succeeded")
    try:
        s3.head_bucket(Bucket=bucket + "-missing")
    except ClientError as e:
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        check(status == 404, "HeadBucket missing: HTTP %s" % status)
    else:
        raise AssertionError("HeadBucket of a missing bucket succeeded")


@step
def copy_object():
    data = os.urandom(3000)
    s3.put_object(Bucket=bucket, Key="copy/src", Body=data, Metadata={"color": "blue"}, ContentType="application/x-test")
    s3.copy_object(Bucket=bucket, Key="copy/dst", CopySource={"Bucket": bucket, "Key": "copy/src"})
    out = s3.get_object(Bucket=bucket, Key="copy/dst")
    check(out["Body"].read() == data, "copied body differs")
    check(out["Metadata"] == {"color": "blue"}, "copied metadata %r" % out["Metadata"])
    check(out["ContentType"] == "application/x-test", "copied content type %r" % out["ContentType"])
    s3.copy_object(Bucket=bucket, Key="copy/dst2", CopySource={"Bucket": bucket, "Key": "copy/src"},
                   MetadataDirective="REPLACE", Metadata={"color": "red"})
    out = s3.head_object(Bucket=bucket, Key="copy/dst2")
    check(out["Metadata"] == {"color": "red"}, "replaced metadata %r" % out["Metadata"])


@step
def ranges_and_conditionals():
    data = bytes(range(256)) * 40
    put = s3.put_object(Bucket=bucket, Key="cond/obj", Body=data)
    etag = put["ETag"]
    r = s3.get_object(Bucket=bucket, Key="cond/obj", Range="bytes=100-199")
    check(r["Body"].read() == data[100:200] and r["ContentRange"] == "bytes 100-199/%d" % len(data),
          "range 100-199: %s" % r.get("ContentRange"))
    r = s3.get_object(Bucket=bucket, Key="cond/obj", Range="bytes=-10")
    check(r["Body"].read() == data[-10:], "suffix range")
    r = s3.get_object(Bucket=bucket, Key="cond/obj", Range="bytes=10000-")
    check(r["Body"].read() == data[10000:], "open range")
    r = s3.get_object(Bucket=bucket, Key="cond/obj", IfMatch=etag)
    check(r["Body"].read() == data, "If-Match body")
    try:
        s3.get_object(Bucket=bucket, Key="cond/obj", IfNoneMatch=etag)
        raise AssertionError("If-None-Match with the current ETag returned the object")
    except ClientError as e:
        check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 304, "If-None-Match: %s" % e.response["Error"])
    try:
        s3.put_object(Bucket=bucket, Key="cond/obj", Body=b"other", IfNoneMatch="*")
        raise AssertionError("If-None-Match: * PUT over an existing key succeeded")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "PreconditionFailed", "conditional PUT: %s" % e.response["Error"])
    s3.put_object(Bucket=bucket, Key="cond/new", Body=b"first", IfNoneMatch="*")


@step
def presigned_put():
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "presigned/put.bin"}, ExpiresIn=300)
    data = os.urandom(5000)
    req = urllib.request.Request(url, data=data, method="PUT")
    with urllib.request.urlopen(req, timeout=10) as r:
        check(r.status == 200, "presigned PUT status %d" % r.status)
    got = s3.get_object(Bucket=bucket, Key="presigned/put.bin")["Body"].read()
    check(got == data, "presigned PUT body differs")


@step
def odd_keys():
    keys = ["ü/ñ/日本語 ключ", "a+b=c&d?e#f%20g", "x" * 1024, "sp ace/../dot./~tilde"]
    for k in keys:
        s3.put_object(Bucket=bucket, Key=k, Body=k.encode())
        check(s3.get_object(Bucket=bucket, Key=k)["Body"].read() == k.encode(), "key %r body" % k[:40])
    listed = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):  # botocore asks for url encoding and decodes
        listed.extend(o["Key"] for o in page.get("Contents", []))
    for k in keys:
        check(k in listed, "key %r not listed" % k[:40])
    try:
        s3.put_object(Bucket=bucket, Key="y" * 1025, Body=b"")
        raise AssertionError("a 1025-byte key was accepted")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "KeyTooLongError", "1025-byte key: %s" % e.response["Error"])
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys]})


@step
def multipart_checksum():
    src = os.path.join(work, "mp.bin")
    with open(src, "wb") as f:
        f.write(os.urandom(17 * MiB))
    cfg = TransferConfig(multipart_threshold=8 * MiB, multipart_chunksize=8 * MiB)
    s3.upload_file(src, bucket, "mp/sha256.bin", Config=cfg, ExtraArgs={"ChecksumAlgorithm": "SHA256"})
    head = s3.head_object(Bucket=bucket, Key="mp/sha256.bin", ChecksumMode="ENABLED")
    got = head.get("ChecksumSHA256", "")
    check(got.endswith("-3"), "multipart SHA256 checksum %r: want a composite ending -3" % got)
    s3.upload_file(src, bucket, "mp/crc64.bin", Config=cfg, ExtraArgs={"ChecksumAlgorithm": "CRC64NVME"})
    head = s3.head_object(Bucket=bucket, Key="mp/crc64.bin", ChecksumMode="ENABLED")
    # CRC64NVME multipart checksums are full-object: compare with the CRC of
    # the whole file (awscrt's, fast; checked against ours on a test vector).
    from awscrt import checksums
    check(checksums.crc64nvme(b"123456789") == crc64nvme(b"123456789") == 0xAE8B14860A799888, "CRC64NVME reference")
    with open(src, "rb") as f:
        want = b64(checksums.crc64nvme(f.read()).to_bytes(8, "big"))
    got = head.get("ChecksumCRC64NVME")
    check(got == want, "multipart CRC64NVME %r, want full-object %r" % (got, want))
    check(head.get("ChecksumType") == "FULL_OBJECT", "multipart CRC64NVME ChecksumType %r" % head.get("ChecksumType"))
    dst = os.path.join(work, "mp.back")
    s3.download_file(bucket, "mp/crc64.bin", dst)
    check(sha256_file(src) == sha256_file(dst), "multipart checksum object differs")


@step
def server_side_encryption():
    # SSE-S3 is the default, as on AWS.
    out = s3.put_object(Bucket=bucket, Key="sse/default", Body=b"d")
    check(out.get("ServerSideEncryption") == "AES256", "default SSE %r" % out.get("ServerSideEncryption"))
    # SSE-C: boto3 base64-encodes the key and adds its MD5.
    key = os.urandom(32)
    data = os.urandom(300 * 1024)
    out = s3.put_object(Bucket=bucket, Key="sse/c", Body=data, SSECustomerAlgorithm="AES256", SSECustomerKey=key)
    check(out.get("SSECustomerAlgorithm") == "AES256", "SSE-C PUT %r" % out)
    got = s3.get_object(Bucket=bucket, Key="sse/c", SSECustomerAlgorithm="AES256", SSECustomerKey=key,
                        Range="bytes=1000-1999")["Body"].read()
    check(got == data[1000:2000], "SSE-C range read differs")
    try:
        s3.get_object(Bucket=bucket, Key="sse/c")
        raise AssertionError("SSE-C object read without its key")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "InvalidRequest", "no key: %s" % e.response["Error"])
    try:
        s3.head_object(Bucket=bucket, Key="sse/c", SSECustomerAlgorithm="AES256", SSECustomerKey=os.urandom(32))
        raise AssertionError("SSE-C object read with another key")
    except ClientError as e:
        check(e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, "wrong key: %s" % e.response["Error"])
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "sse/default"}, {"Key": "sse/c"}]})


@step
def delete_bucket():
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.extend(o["Key"] for o in page.get("Contents", []))
    try:
        s3.delete_bucket(Bucket=bucket)
        raise AssertionError("DeleteBucket of a non-empty bucket succeeded")
    except ClientError as e:
        check(e.response["Error"]["Code"] == "BucketNotEmpty", "got %s" % e.response["Error"]["Code"])
    for i in range(0, len(keys), 1000):
        out = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]], "Quiet": True})
        check(not out.get("Errors"), "DeleteObjects errors: %r" % out.get("Errors"))
    s3.delete_bucket(Bucket=bucket)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    check(bucket not in names, "bucket still listed after DeleteBucket")


print("boto3: boto3 %s, botocore %s" % (boto3.__version__, botocore.__version__))
print("boto3: %d passed, %d failed" % (len(passed), len(failed)))
sys.exit(1 if failed else 0)
