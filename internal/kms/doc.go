// Package kms is tarn's key management engine: customer master keys
// (SYMMETRIC_DEFAULT, ENCRYPT_DECRYPT) with their state machine (Enabled,
// Disabled, PendingDeletion), aliases, tags, automatic and on-demand rotation,
// and the envelope-encryption primitives other engines call directly
// (GenerateDataKey, Decrypt, DescribeKey). It knows no HTTP: the AWS JSON
// front end is internal/api/kmsapi.
//
// Every key belongs to one account and is addressed, wherever AWS allows it,
// by key id, key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID), alias name
// (alias/NAME) or alias ARN.
//
// Key material never reaches the metadata store in the clear: each key
// version's 32 bytes are sealed with AES-256-GCM under the root key (see
// rootkey.go), bound to the account, key id and version. The ciphertext blobs
// handed to clients name the key id and version they were made with, so
// Decrypt needs no KeyId; docs/format/kms.md describes the blob and the
// metadata layout.
//
// Time is read through Options.Now, so pending-deletion windows and rotation
// periods are tested with an injected clock. Deletion and automatic rotation
// happen lazily: a key whose deletion date has passed is gone for every
// operation and is removed from the store by the next write or Sweep; a key
// whose rotation date has passed rotates on its next use.
package kms
