package models_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"pakn/internal/testdb"
	"pakn/models"
)

// TestLookupSecretHash: on both engines the stored hash is not the secret,
// the secret opens the petition however it is typed, a wrong one does not,
// and petitions filed before the digest (the secret hashed directly) still
// open with their secret.
func TestLookupSecretHash(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		st := seeded(t, tg)
		sub, err := st.SubmitPetition(ctx, validInput())
		if err != nil {
			t.Fatal(err)
		}
		code, secret := sub.Petition.Code, sub.Secret
		var stored models.Petition
		if err := st.DB.Where("code = ?", code).First(&stored).Error; err != nil {
			t.Fatal(err)
		}
		if stored.SecretHash != sub.Petition.SecretHash || len(stored.SecretHash) != 64 || strings.Contains(stored.SecretHash, models.NormalizeSecret(secret)) {
			t.Fatalf("stored hash %q (returned %q)", stored.SecretHash, sub.Petition.SecretHash)
		}
		legacy := sha256.Sum256([]byte("pakn-lookup\x00" + code + "\x00" + models.NormalizeSecret(secret)))
		if stored.SecretHash == hex.EncodeToString(legacy[:]) {
			t.Fatal("new petitions still hash the secret itself")
		}
		for _, typed := range []string{secret, strings.ToLower(secret), strings.ReplaceAll(secret, "-", " ")} {
			if _, err := st.PetitionForCitizen(ctx, strings.ToLower(code), typed); err != nil {
				t.Errorf("secret typed %q: %v", typed, err)
			}
		}
		if _, err := st.PetitionForCitizen(ctx, code, models.NewLookupSecret()); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("wrong secret: %v", err)
		}
		// A petition filed before the digest.
		if err := st.DB.Model(&models.Petition{}).Where("id = ?", stored.ID).Update("secret_hash", hex.EncodeToString(legacy[:])).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := st.PetitionForCitizen(ctx, code, secret); err != nil {
			t.Errorf("legacy hash: %v", err)
		}
		if _, err := st.PetitionForCitizen(ctx, code, models.NewLookupSecret()); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("legacy hash, wrong secret: %v", err)
		}
	})
}
