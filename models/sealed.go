package models

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// Sealer encrypts what must never sit in the database in clear — a
// reissued lookup secret waiting in its outbox row — with AES-256-GCM under
// a key derived from PAKN_SECRET by HKDF-SHA256. Whoever reads the database
// (a backup, a replica) without PAKN_SECRET cannot open it.
type Sealer struct {
	aead cipher.AEAD
}

// NewSealer derives the outbox key from the instance secret.
func NewSealer(secret []byte) (*Sealer, error) {
	if len(secret) < 16 {
		return nil, errors.New("sealer: the secret is too short")
	}
	aead, err := DeriveAEAD(secret, []byte("pakn"), "pakn outbox seal v1")
	if err != nil {
		return nil, fmt.Errorf("sealer: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// DeriveAEAD is AES-256-GCM under a key derived from the instance secret
// by HKDF-SHA256 with salt and info: one key per use (outbox seals, TOTP
// keys, reset links, receipt cookies), never the secret itself.
func DeriveAEAD(secret, salt []byte, info string) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, secret, salt, info, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Seal encrypts plain, bound to context (the outbox row's dedupe key), so
// a sealed value copied into another row does not open.
func (s *Sealer) Seal(plain, context string) string {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return base64.RawStdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(plain), []byte(context)))
}

// Open decrypts what Seal made with the same context.
func (s *Sealer) Open(sealed, context string) (string, error) {
	raw, err := base64.RawStdEncoding.DecodeString(sealed)
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", errors.New("sealed value is malformed")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte(context))
	if err != nil {
		return "", errors.New("sealed value does not open (was PAKN_SECRET changed?)")
	}
	return string(plain), nil
}
