package app

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// A receipt cookie opens only for its path and only until it expires.
func TestReceiptCookieExpiresAndIsBoundToItsPath(t *testing.T) {
	sealer, err := newReceiptSealer([]byte("a-secret-of-at-least-32-characters-0123"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := newReceiptSealer([]byte("another-secret-of-32-characters-abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{receipts: sealer}
	sealWith := func(key cipher.AEAD, path string, exp time.Time) string {
		nonce := make([]byte, key.NonceSize())
		_, _ = rand.Read(nonce)
		plain := "PAKN-261204-0001\nABCD-EFGH-JKLM\n" + strconv.FormatInt(exp.Unix(), 10)
		return base64.RawURLEncoding.EncodeToString(key.Seal(nonce, nonce, []byte(plain), []byte(path)))
	}
	seal := func(path string, exp time.Time) string { return sealWith(sealer, path, exp) }
	app := fiber.New()
	var code string
	var ok bool
	app.Get("/*", func(c *fiber.Ctx) error {
		code, _, ok = s.openReceipt(c, receiptPath)
		return nil
	})
	for name, tc := range map[string]struct {
		cookie string
		want   bool
	}{
		"fresh":              {seal(receiptPath, time.Now().Add(time.Minute)), true},
		"expired":            {seal(receiptPath, time.Now().Add(-time.Second)), false},
		"the clerk's path":   {seal(adminReceiptPath, time.Now().Add(time.Minute)), false},
		"another PAKN's key": {sealWith(other, receiptPath, time.Now().Add(time.Minute)), false},
		"empty":              {"", false},
	} {
		req := httptest.NewRequest("GET", receiptPath, nil)
		req.Header.Set("Cookie", receiptCookie+"="+tc.cookie)
		code, ok = "", false
		if _, err := app.Test(req); err != nil {
			t.Fatal(err)
		}
		if ok != tc.want || (ok && code != "PAKN-261204-0001") {
			t.Errorf("%s: opened %v (code %q), want %v", name, ok, code, tc.want)
		}
	}
}
