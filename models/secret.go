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

// The stored hash of a lookup secret is SHA-256 of "pakn-lookup\0", the
// code, "\0" and the secret's digest (secretDigest). Only the digest ever
// leaves this process: the PostgreSQL intake statement, where the code is
// born, finishes the hash from it (intake_pg.go), so the secret never
// reaches the database or its logs in clear. A 60-bit random secret cannot
// be guessed offline, so fast hashes bound to the code are enough here.
const (
	hashHead   = "pakn-lookup\x00"
	digestHead = "pakn-lookup-secret\x00"
)

// secretDigest is the secret's digest, salted with the code's day (what
// the intake statement knows before it numbers the code).
func secretDigest(day, secret string) []byte {
	sum := sha256.Sum256([]byte(digestHead + day + "\x00" + NormalizeSecret(secret)))
	return sum[:]
}

// codeDay is the YYMMDD of a tracking code PAKN-YYMMDD-NNNN ("" for any
// other text).
func codeDay(code string) string {
	if len(code) > 12 && strings.HasPrefix(code, "PAKN-") && code[11] == '-' {
		return code[5:11]
	}
	return ""
}

// storedSecretHash finishes the stored hash from the digest.
func storedSecretHash(code string, digest []byte) string {
	h := sha256.New()
	h.Write([]byte(hashHead + code + "\x00"))
	h.Write(digest)
	return hex.EncodeToString(h.Sum(nil))
}

// hashSecret is the stored hash of a petition's lookup secret.
func hashSecret(code, secret string) string {
	return storedSecretHash(code, secretDigest(codeDay(code), secret))
}

// legacyHashSecret is how secrets were hashed before the digest (the
// secret itself in place of its digest); petitions filed then keep it.
func legacyHashSecret(code, secret string) string {
	sum := sha256.Sum256([]byte(hashHead + code + "\x00" + NormalizeSecret(secret)))
	return hex.EncodeToString(sum[:])
}

// checkSecret compares in constant time, with both hashes always computed.
func checkSecret(code, secret, stored string) bool {
	cur := subtle.ConstantTimeCompare([]byte(hashSecret(code, secret)), []byte(stored))
	old := subtle.ConstantTimeCompare([]byte(legacyHashSecret(code, secret)), []byte(stored))
	return cur|old == 1
}
