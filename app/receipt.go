package app

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
)

// A successful submission answers 303 to its receipt (post/redirect/get):
// reloading the receipt never submits again. The receipt shows the code and
// the secret to the browser that submitted, for receiptTTL, and its URL
// carries neither: they travel in a cookie scoped to the receipt's path,
// sealed with a key derived from PAKN_SECRET, so any instance can open it
// and nothing is stored.

const (
	receiptCookie = "pakn_receipt"
	receiptTTL    = 30 * time.Minute
	// Where the citizen's and the clerk's receipts live.
	receiptPath      = "/submit/receipt"
	adminReceiptPath = "/admin/submit/receipt"
)

// newReceiptSealer derives the receipt cookie's AES-256-GCM key.
func newReceiptSealer(secret []byte) (cipher.AEAD, error) {
	aead, err := models.DeriveAEAD(secret, nil, "pakn receipt cookie v1")
	if err != nil {
		return nil, fmt.Errorf("receipt key: %w", err)
	}
	return aead, nil
}

// redirectToReceipt hands the new petition's code and secret to the
// browser and sends it to the receipt at path.
func (s *Server) redirectToReceipt(c *fiber.Ctx, path, code, secret string) error {
	exp := time.Now().Add(receiptTTL)
	nonce := make([]byte, s.receipts.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("receipt for %s: %w", code, err)
	}
	plain := code + "\n" + secret + "\n" + strconv.FormatInt(exp.Unix(), 10)
	sealed := s.receipts.Seal(nonce, nonce, []byte(plain), []byte(path))
	c.Cookie(&fiber.Cookie{Name: receiptCookie, Value: base64.RawURLEncoding.EncodeToString(sealed), Path: path,
		Expires: exp, HTTPOnly: true, Secure: s.Config.SecureCookies, SameSite: "Lax"})
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Redirect(path, fiber.StatusSeeOther)
}

// openReceipt reads the receipt cookie of path: the code and the secret,
// or ok false when there is none, it was tampered with, or it expired.
func (s *Server) openReceipt(c *fiber.Ctx, path string) (code, secret string, ok bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c.Cookies(receiptCookie))
	n := s.receipts.NonceSize()
	if err != nil || len(raw) < n {
		return "", "", false
	}
	plain, err := s.receipts.Open(nil, raw[:n], raw[n:], []byte(path))
	if err != nil {
		return "", "", false
	}
	parts := strings.Split(string(plain), "\n")
	if len(parts) != 3 {
		return "", "", false
	}
	exp, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || time.Now().Unix() > exp {
		return "", "", false
	}
	return parts[0], parts[1], true
}

// receiptData reads the petition a receipt cookie names, or an error page
// that says the receipt is no longer shown and where to follow it.
func (s *Server) receiptData(c *fiber.Ctx, path string) (fiber.Map, error) {
	code, secret, ok := s.openReceipt(c, path)
	if !ok {
		return nil, fiber.NewError(fiber.StatusNotFound, "receipt")
	}
	tp, err := s.Store.PetitionForCitizen(c.UserContext(), code, secret)
	if err != nil {
		return nil, err
	}
	showsSecret(c)
	return fiber.Map{"Petition": tp.Petition, "Secret": secret, "Unit": tp.Unit, "NoChannel": !s.Store.Delivery.Notifies(&tp.Petition)}, nil
}

func (s *Server) receiptPage(c *fiber.Ctx) error {
	data, err := s.receiptData(c, receiptPath)
	if err != nil {
		return s.receiptGone(c, err)
	}
	return s.render(c, fiber.StatusOK, "receipt", s.t(c, "receipt.heading"), data)
}

func (s *Server) adminReceiptPage(c *fiber.Ctx) error {
	data, err := s.receiptData(c, adminReceiptPath)
	if err != nil {
		return s.receiptGone(c, err)
	}
	return s.renderAdmin(c, fiber.StatusOK, "receipt", s.t(c, "receipt.heading"), data)
}

// receiptGone explains a receipt that is no longer shown (another browser,
// or more than 30 minutes later): the petition is safe; follow it on /track.
func (s *Server) receiptGone(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if !errors.Is(err, models.ErrNotFound) && !(errors.As(err, &fe) && fe.Code == fiber.StatusNotFound) {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.render(c, fiber.StatusNotFound, "receipt_gone", s.t(c, "receipt.gone.heading"), nil)
}
