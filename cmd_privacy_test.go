package main

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

// The citizen's rights as commands: export prints their data and history;
// erase refuses while the unit has not answered, then leaves no trace; each
// request is audited.
func TestPrivacyCommands(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		person := testenv.KnownPerson()
		f := e.FillPetition(person)
		open := e.Submit(models.SubmitInput{})
		useTarget(t, tg)

		out, err := runCmd(t, "", "privacy", "export", strings.ToLower(f.Code), "--by", "DPO Lê Văn Tâm")
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		var x models.PersonalDataExport
		if err := json.Unmarshal([]byte(out), &x); err != nil {
			t.Fatalf("export is not JSON: %v\n%s", err, out)
		}
		if x.Petitioner.Name != person.Name || x.Petitioner.Email != person.Email || x.Petition.Code != f.Code ||
			len(x.Attachments) != 2 || x.Rating == nil || len(x.Notices) == 0 || len(x.Notes) != 1 {
			t.Fatalf("export misses data: %+v", x)
		}
		types := map[string]bool{}
		for _, ev := range x.History {
			types[ev.Type] = true
		}
		if !types["received"] || !types["details_viewed"] || !types["answered"] {
			t.Errorf("history lacks steps or reads of the details: %v", types)
		}
		if strings.Contains(out, "sealed_secret") || strings.Contains(out, f.Secret) {
			t.Error("the export carries a secret")
		}

		_, err = runCmd(t, "", "privacy", "erase", open.Petition.Code)
		if err == nil || !strings.Contains(err.Error(), "still open") || !errors.Is(err, models.ErrPetitionOpen) {
			t.Fatalf("erase of an open petition: %v", err)
		}
		if _, err := runCmd(t, "", "privacy", "erase", "PAKN-000000-0000"); err == nil || !strings.Contains(err.Error(), "no petition") {
			t.Fatalf("erase of an unknown code: %v", err)
		}
		if out, err := runCmd(t, "", "privacy", "erase", f.Code, "--by", "DPO Lê Văn Tâm"); err != nil || !strings.Contains(out, "erased") {
			t.Fatalf("erase: %v %q", err, out)
		}
		if out, err := runCmd(t, "", "privacy", "erase", f.Code); err != nil || !strings.Contains(out, "already") {
			t.Fatalf("erase again: %v %q", err, out)
		}
		for _, tr := range e.FindValues(person.Values()) {
			t.Errorf("after privacy erase: %s", tr)
		}

		audit := func(id int64, typ string) []models.Event {
			var evs []models.Event
			if err := e.Store.DB.Where("petition_id = ? AND type = ?", id, typ).Find(&evs).Error; err != nil {
				t.Fatal(err)
			}
			return evs
		}
		if evs := audit(f.ID, models.EventExported); len(evs) != 1 || evs[0].ActorName != "pakn privacy (DPO Lê Văn Tâm)" {
			t.Errorf("export audit: %+v", evs)
		}
		if evs := audit(f.ID, models.EventErasedOnRequest); len(evs) != 1 || !strings.Contains(evs[0].Note, "request") {
			t.Errorf("erase audit: %+v", evs)
		}
		if evs := audit(open.Petition.ID, models.EventErasureRefused); len(evs) != 1 {
			t.Errorf("refusal audit: %+v", evs)
		}
		var still models.Petition
		e.Store.DB.First(&still, open.Petition.ID)
		if still.PetitionerName == models.AnonymisedName {
			t.Error("the open petition was erased")
		}
	})
}

// A petition linked to a citizen account: export adds the account's data,
// erase erases the account too once none of its petitions is open.
func TestPrivacyCommandsWithAccount(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		ctx := context.Background()
		person := testenv.KnownPerson()
		f := e.FillPetition(person)
		res, err := e.Store.SignInCitizen(ctx, models.CitizenSignIn{Issuer: "https://sso.example.vn", Subject: "citizen-1",
			Profile: models.CitizenProfile{Name: person.Name, Email: person.Email, Phone: person.Phone}})
		if err != nil {
			t.Fatal(err)
		}
		res, err = e.Store.ConsentCitizen(ctx, res.ConsentToken, "127.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		acc, err := e.Store.CitizenBySession(ctx, res.SessionToken)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Store.ClaimPetition(ctx, acc.ID, f.Code, f.Secret); err != nil {
			t.Fatal(err)
		}
		useTarget(t, tg)
		out, err := runCmd(t, "", "privacy", "export", f.Code)
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		var x models.PersonalDataExport
		if err := json.Unmarshal([]byte(out), &x); err != nil || x.Account == nil || x.Account.Profile.Name != person.Name {
			t.Fatalf("export without the account (%v): %.300s", err, out)
		}
		if out, err := runCmd(t, "", "privacy", "erase", f.Code); err != nil || !strings.Contains(out, "citizen account") {
			t.Fatalf("erase: %v %s", err, out)
		}
		if _, err := e.Store.CitizenAccountOfPetition(ctx, f.Code); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("the account is still linked after erasure: %v", err)
		}
	})
}
