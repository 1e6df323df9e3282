package models

import (
	"cmp"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// argon2id parameters (RFC 9106's second recommended option, lighter memory
// so that a 2-core server can take a burst of sign-ins).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// PasswordCost is argon2id's time (passes) and memory (KiB); zero fields
// take the production values.
type PasswordCost struct {
	Time, MemoryKiB uint32
}

// HashPassword returns a PHC-formatted argon2id hash at the production cost.
func HashPassword(password string) (string, error) {
	return PasswordCost{}.hash(password)
}

// hashPassword hashes at the store's cost (PasswordCost).
func (s *Store) hashPassword(password string) (string, error) {
	return s.PasswordCost.hash(password)
}

func (c PasswordCost) hash(password string) (string, error) {
	t, m := cmp.Or(c.Time, argonTime), cmp.Or(c.MemoryKiB, argonMemory)
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, t, m, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, m, t, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// CheckPassword verifies a password against a PHC argon2id hash.
func CheckPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := enc.DecodeString(parts[5])
	if err != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
