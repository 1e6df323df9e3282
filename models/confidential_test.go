package models_test

import (
	"context"
	"strings"
	"testing"

	"pakn/internal/testdb"
	"pakn/models"
	"pakn/models/personaldata"
)

// TestConfidentialIdentityInText: when the petitioner asked for their
// identity to stay with the Service Center, the contact details they typed
// into the text are masked for the unit as the name and contact fields
// are; the Service Center reads the text as written.
func TestConfidentialIdentityInText(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		st := seeded(t, tg)
		file := func(confidential bool) *models.Submission {
			in := validInput()
			in.ConfidentialIdentity = confidential
			in.Title = "Cán bộ xã gây khó dễ, gọi 0912 345 678"
			in.Content = "Tôi là Lê Văn Mật, gọi 0912345678 hoặc viết mat.le@example.vn; CCCD 079123456789. Cán bộ địa chính xã đòi tiền."
			in.Petitioner = models.PetitionerInput{Name: "Lê Văn Mật", Phone: "0912345678", Email: "mat.le@example.vn", Address: "Ấp 1, xã Mỹ Yên"}
			sub, err := st.SubmitPetition(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			return sub
		}
		conf, open := file(true), file(false)
		officer := viewerOf(t, st, "officer.ben-luc@demo.pakn.vn")
		coord := viewerOf(t, st, "coordinator@demo.pakn.vn")
		if _, err := st.AcceptPetition(ctx, officer, conf.Petition.Code); err != nil {
			t.Fatal(err)
		}
		if _, err := st.RequestInfo(ctx, officer, conf.Petition.Code, "Xin cho biết thời gian, địa điểm."); err != nil {
			t.Fatal(err)
		}
		if _, err := st.SupplyInfo(ctx, conf.Petition.Code, conf.Secret, "Số mới của tôi: 0987 111 222", nil); err != nil {
			t.Fatal(err)
		}
		personal := []string{"0912345678", "0912 345 678", "mat.le@example.vn", "079123456789", "Lê Văn Mật", "0987 111 222"}
		leaks := func(texts ...string) []string {
			var out []string
			for _, text := range texts {
				for _, p := range personal {
					if strings.Contains(text, p) {
						out = append(out, p)
					}
				}
			}
			return out
		}
		d, err := st.PetitionForOfficial(ctx, officer, conf.Petition.Code)
		if err != nil {
			t.Fatal(err)
		}
		p := d.Petition
		texts := []string{p.Title, p.Content, p.Address, p.PetitionerName, p.PetitionerPhone, p.PetitionerEmail, p.PetitionerAddress}
		supplied := false
		for _, e := range d.Timeline {
			texts = append(texts, e.Note, e.ActorName)
			supplied = supplied || e.Type == "info_supplied" && strings.Contains(e.Note, personaldata.RedactedPhone)
		}
		if !supplied {
			t.Fatal("the information supplied is not in the timeline, masked")
		}
		if l := leaks(texts...); len(l) > 0 || !d.IdentityHidden {
			t.Fatalf("the unit reads %v of a confidential petitioner", l)
		}
		if !strings.Contains(p.Content, personaldata.RedactedPhone) || !strings.Contains(p.Content, personaldata.RedactedEmail) || !strings.Contains(p.Content, "Cán bộ địa chính xã đòi tiền.") {
			t.Fatalf("masked content: %q", p.Content)
		}
		page, err := st.Inbox(ctx, officer, models.InboxFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range page.Petitions {
			if row.ID == conf.Petition.ID && len(leaks(row.Title, row.Content, row.PetitionerName, row.PetitionerPhone)) > 0 {
				t.Fatalf("the unit's inbox shows the petitioner: %q", row.Title)
			}
			if row.ID == open.Petition.ID && row.Title != open.Petition.Title {
				t.Fatalf("an ordinary petition's title is masked: %q", row.Title)
			}
		}
		// The Service Center reads it as written; so does the unit an
		// ordinary petition.
		if d, err := st.PetitionForOfficial(ctx, coord, conf.Petition.Code); err != nil || d.Petition.Content != conf.Petition.Content || d.Petition.PetitionerPhone != "0912345678" {
			t.Fatalf("coordinator: %v %q", err, d.Petition.Content)
		}
		if d, err := st.PetitionForOfficial(ctx, officer, open.Petition.Code); err != nil || d.Petition.Content != open.Petition.Content {
			t.Fatalf("officer, ordinary petition: %v", err)
		}
		// Nothing is changed in the database.
		var stored models.Petition
		if err := st.DB.First(&stored, conf.Petition.ID).Error; err != nil || stored.Content != conf.Petition.Content {
			t.Fatalf("stored content changed: %v", err)
		}
	})
}
