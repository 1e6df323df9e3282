package models

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// Crockford's base32 alphabet: no I, L, O or U, so a secret read aloud at a
// desk or copied from paper survives.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// NewLookupSecret returns a 60-bit secret formatted as XXXX-XXXX-XXXX.
func NewLookupSecret() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	out := make([]byte, 0, 14)
	for i, x := range b {
		if i == 4 || i == 8 {
			out = append(out, '-')
		}
		out = append(out, crockford[int(x)%32])
	}
	return string(out)
}

// NormalizeSecret accepts what people type: lower case, spaces, O for 0.
func NormalizeSecret(s string) string {
	s = strings.ToUpper(s)
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '-', ' ', '\t':
			continue
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// hashSecret stores lookup secrets hashed. A 60-bit random secret cannot be
// guessed offline, so a fast hash bound to the code is enough here.
func hashSecret(code, secret string) string {
	sum := sha256.Sum256([]byte("pakn-lookup\x00" + code + "\x00" + NormalizeSecret(secret)))
	return hex.EncodeToString(sum[:])
}

// checkSecret compares in constant time.
func checkSecret(code, secret, stored string) bool {
	return subtle.ConstantTimeCompare([]byte(hashSecret(code, secret)), []byte(stored)) == 1
}
