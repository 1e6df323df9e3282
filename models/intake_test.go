package models_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/migrations"
	"pakn/models"
	"pakn/models/workdays"
)

// seeded opens a migrated, demo-seeded store on the target.
func seeded(t *testing.T, tg testdb.Target) *models.Store {
	t.Helper()
	st := testenv.Open(t, tg)
	if err := st.SeedDemo(context.Background()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return st
}

// validInput is a complete petition about land in Bến Lức.
func validInput() models.SubmitInput {
	return models.SubmitInput{
		Kind:     models.KindComplaint,
		Title:    "Đường liên xã bị sụt lún",
		Content:  "Đoạn đường liên xã qua ấp 3 bị sụt lún nhiều tháng nay, đề nghị sửa chữa.",
		Category: "dat-dai",
		Area:     "BEN-LUC",
		Petitioner: models.PetitionerInput{
			Name: "Nguyễn Văn An", Phone: "0901234567", Email: "an@example.vn",
			Address: "Ấp 3, xã Mỹ Yên, huyện Bến Lức",
		},
	}
}

func vnTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, workdays.VietnamLocation())
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func fieldKeys(err error) map[string]string {
	out := map[string]string{}
	if v, ok := models.AsValidation(err); ok {
		for _, f := range v.Fields {
			if _, dup := out[f.Field]; !dup {
				out[f.Field] = f.Key
			}
		}
	}
	return out
}

// TestIntake runs the intake rules on each database over one seeded store:
// seeding hashes the demo officials' passwords, which costs seconds.
func TestIntake(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := seeded(t, tg)
		t.Run("SubmitPetitionValidation", func(t *testing.T) { testSubmitPetitionValidation(t, st) })
		t.Run("Routing", func(t *testing.T) { testRouting(t, st) })
		t.Run("DueAtIsFiveWorkingDays", func(t *testing.T) { testDueAtIsFiveWorkingDays(t, st) })
		t.Run("TrackingLookup", func(t *testing.T) { testTrackingLookup(t, st) })
		t.Run("TrackingCodesUniqueUnderConcurrency", func(t *testing.T) { testTrackingCodesUniqueUnderConcurrency(t, st) })
		t.Run("SubmitWritesEventsAndOutbox", func(t *testing.T) { testSubmitWritesEventsAndOutbox(t, st) })
		t.Run("SubmitIsAtomic", func(t *testing.T) { testSubmitIsAtomic(t, st) })
	})
}

func testSubmitPetitionValidation(t *testing.T, st *models.Store) {
	ctx := context.Background()
	var before int64
	st.DB.Model(&models.Petition{}).Count(&before)
	tests := []struct {
		name   string
		edit   func(*models.SubmitInput)
		fields map[string]string // field → catalog key
	}{
		{"anonymous refused", func(in *models.SubmitInput) { in.Petitioner.Name = "   " },
			map[string]string{"petitioner.name": "err.anonymous"}},
		{"contact required", func(in *models.SubmitInput) { in.Petitioner.Phone, in.Petitioner.Email = "", "" },
			map[string]string{"petitioner.phone": "err.contact"}},
		{"postal address required", func(in *models.SubmitInput) { in.Petitioner.Address = "" },
			map[string]string{"petitioner.address": "err.required"}},
		{"bad e-mail", func(in *models.SubmitInput) { in.Petitioner.Email = "an@@example" },
			map[string]string{"petitioner.email": "err.email"}},
		{"e-mail without a dot", func(in *models.SubmitInput) { in.Petitioner.Email = "an@localhost" },
			map[string]string{"petitioner.email": "err.email"}},
		{"bad phone", func(in *models.SubmitInput) { in.Petitioner.Phone = "12ab" },
			map[string]string{"petitioner.phone": "err.phone"}},
		{"unknown category", func(in *models.SubmitInput) { in.Category = "khong-co" },
			map[string]string{"category": "err.unknown_code"}},
		{"unknown area", func(in *models.SubmitInput) { in.Area = "HA-NOI" },
			map[string]string{"area": "err.unknown_code"}},
		{"unknown category and area together", func(in *models.SubmitInput) { in.Category, in.Area = "x", "y" },
			map[string]string{"category": "err.unknown_code", "area": "err.unknown_code"}},
		{"missing kind, title, content, category", func(in *models.SubmitInput) {
			in.Kind, in.Title, in.Content, in.Category = "", "", "", ""
		}, map[string]string{"kind": "err.required", "title": "err.required", "content": "err.required", "category": "err.required"}},
		{"bad kind", func(in *models.SubmitInput) { in.Kind = "khieu-nai" }, map[string]string{"kind": "err.kind"}},
		{"content too short", func(in *models.SubmitInput) { in.Content = "ngắn" }, map[string]string{"content": "err.too_short"}},
		{"title too long", func(in *models.SubmitInput) { in.Title = strings.Repeat("đ", models.MaxTitle+1) },
			map[string]string{"title": "err.too_long"}},
		{"latitude out of range", func(in *models.SubmitInput) { v := 91.0; in.Lat = &v }, map[string]string{"lat": "err.range"}},
		{"web form needs consent", func(in *models.SubmitInput) { in.RequireConsent = true },
			map[string]string{"privacy_consent": "err.consent"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := validInput()
			tc.edit(&in)
			_, err := st.SubmitPetition(ctx, in)
			if _, ok := models.AsValidation(err); !ok {
				t.Fatalf("want a validation error, got %v", err)
			}
			got := fieldKeys(err)
			for f, k := range tc.fields {
				if got[f] != k {
					t.Errorf("field %s: got %q, want %q (all: %v)", f, got[f], k, got)
				}
			}
			if len(got) != len(tc.fields) {
				t.Errorf("extra field errors: %v", got)
			}
		})
	}
	var n int64
	st.DB.Model(&models.Petition{}).Count(&n)
	if n != before {
		t.Fatalf("invalid submissions stored %d petitions", n)
	}

	t.Run("phone only and e-mail only are enough", func(t *testing.T) {
		in := validInput()
		in.Petitioner.Email = ""
		if _, err := st.SubmitPetition(ctx, in); err != nil {
			t.Fatalf("phone only: %v", err)
		}
		in = validInput()
		in.Petitioner.Phone = ""
		if _, err := st.SubmitPetition(ctx, in); err != nil {
			t.Fatalf("e-mail only: %v", err)
		}
	})

	t.Run("NFC normalisation", func(t *testing.T) {
		in := validInput()
		in.Title = norm.NFD.String("Đề nghị sửa   đường Trường Sơn")
		in.Content = norm.NFD.String("Nội dung phản ánh về đường Trường Sơn, ấp Hòa Bình.\r\n")
		in.Petitioner.Name = norm.NFD.String("  Trần Thị Hồng  ")
		in.Petitioner.Address = norm.NFD.String("Ấp Hòa Bình")
		in.Petitioner.Email = "An@Example.VN"
		if in.Title == norm.NFC.String(in.Title) {
			t.Fatal("test input is not decomposed")
		}
		sub, err := st.SubmitPetition(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		var p models.Petition
		if err := st.DB.First(&p, sub.Petition.ID).Error; err != nil {
			t.Fatal(err)
		}
		checks := map[string][2]string{
			"title":   {p.Title, "Đề nghị sửa đường Trường Sơn"},
			"content": {p.Content, "Nội dung phản ánh về đường Trường Sơn, ấp Hòa Bình."},
			"name":    {p.PetitionerName, "Trần Thị Hồng"},
			"address": {p.PetitionerAddress, "Ấp Hòa Bình"},
			"email":   {p.PetitionerEmail, "an@example.vn"},
		}
		for f, c := range checks {
			if c[0] != c[1] || !norm.NFC.IsNormalString(c[0]) {
				t.Errorf("%s stored as %q (NFC: %v), want %q", f, c[0], norm.NFC.IsNormalString(c[0]), c[1])
			}
		}
	})
}

func testRouting(t *testing.T, st *models.Store) {
	ctx := context.Background()
	unitID := func(code string) int64 {
		var u models.Unit
		if err := st.DB.Where("code = ?", code).First(&u).Error; err != nil {
			t.Fatalf("unit %s: %v", code, err)
		}
		return u.ID
	}
	// A category without a department: only the Service Center can take it.
	orphan := models.Category{Code: "mo-coi", Name: "Lĩnh vực chưa phân công", Active: true}
	if err := st.DB.Create(&orphan).Error; err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, kind, category, area, want string
	}{
		{"local category with an area → the area's unit", models.KindComplaint, "dat-dai", "BEN-LUC", "BEN-LUC"},
		{"another local category and area", models.KindRecommendation, "cu-tru", "TAN-AN", "TAN-AN"},
		{"local category without an area → department", models.KindComplaint, "dat-dai", "", "STNMT"},
		{"non-local category with an area → department", models.KindComplaint, "giao-thong", "BEN-LUC", "SGTVT"},
		{"non-local category → department", models.KindRecommendation, "thue", "", "CT"},
		{"khac → Service Center", models.KindComplaint, "khac", "DUC-HOA", "TTPVHCC"},
		{"no department → Service Center", models.KindComplaint, "mo-coi", "", "TTPVHCC"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := validInput()
			in.Kind, in.Category, in.Area = tc.kind, tc.category, tc.area
			sub, err := st.SubmitPetition(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if sub.Unit.Code != tc.want || sub.Petition.UnitID != unitID(tc.want) {
				t.Fatalf("routed to %s (unit id %d), want %s", sub.Unit.Code, sub.Petition.UnitID, tc.want)
			}
		})
	}

	t.Run("an inactive target unit falls through to the next rule", func(t *testing.T) {
		if err := st.DB.Model(&models.Unit{}).Where("code = ?", "TAN-TRU").Update("active", false).Error; err != nil {
			t.Fatal(err)
		}
		defer st.DB.Model(&models.Unit{}).Where("code = ?", "TAN-TRU").Update("active", true)
		in := validInput()
		in.Area = "TAN-TRU"
		sub, err := st.SubmitPetition(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if sub.Unit.Code != "STNMT" {
			t.Fatalf("routed to %s, want STNMT", sub.Unit.Code)
		}
	})

	t.Run("a custom rule before the defaults wins", func(t *testing.T) {
		var cat models.Category
		if err := st.DB.Where("code = ?", "giao-thong").First(&cat).Error; err != nil {
			t.Fatal(err)
		}
		stp := unitID("STP")
		rule := models.RoutingRule{Position: 5, Name: "Giao thông kiến nghị → Sở Tư pháp (thử)", Kind: models.KindRecommendation,
			CategoryID: &cat.ID, Target: models.TargetUnit, UnitID: &stp}
		if err := st.DB.Create(&rule).Error; err != nil {
			t.Fatal(err)
		}
		in := validInput()
		in.Kind, in.Category = models.KindRecommendation, "giao-thong"
		sub, err := st.SubmitPetition(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if sub.Unit.Code != "STP" {
			t.Fatalf("routed to %s, want STP by the custom rule", sub.Unit.Code)
		}
		// The rule names a kind: a complaint in the same category still
		// goes by the defaults.
		in.Kind = models.KindComplaint
		sub, err = st.SubmitPetition(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if sub.Unit.Code != "SGTVT" {
			t.Fatalf("complaint routed to %s, want SGTVT", sub.Unit.Code)
		}
		d, err := st.PreviewRoute(ctx, models.RouteRequest{Kind: models.KindRecommendation, CategoryID: cat.ID})
		if err != nil || d.Unit.Code != "STP" || d.RuleID != rule.ID {
			t.Fatalf("preview: %+v, %v", d, err)
		}
	})
}

func testDueAtIsFiveWorkingDays(t *testing.T, st *models.Store) {
	ctx := context.Background()
	tests := []struct {
		name, now, want string
	}{
		{"Friday receipt", "2026-11-27 09:00", "2026-12-04T23:59:59+07:00"},
		{"late on a Friday, Vietnam time", "2026-11-27 23:30", "2026-12-04T23:59:59+07:00"},
		{"on a Saturday", "2026-11-28 10:00", "2026-12-04T23:59:59+07:00"},
		{"on National Day, a holiday", "2026-09-02 10:00", "2026-09-09T23:59:59+07:00"},
		{"during Tết 2026", "2026-02-17 08:00", "2026-02-27T23:59:59+07:00"},
		{"before the working Saturday 22/8/2026", "2026-08-20 08:00", "2026-08-26T23:59:59+07:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now := vnTime(t, tc.now)
			st.Now = func() time.Time { return now }
			defer func() { st.Now = time.Now }()
			sub, err := st.SubmitPetition(ctx, validInput())
			if err != nil {
				t.Fatal(err)
			}
			got := sub.Petition.DueAt.In(workdays.VietnamLocation()).Format(time.RFC3339)
			if got != tc.want {
				t.Fatalf("due_at %s, want %s", got, tc.want)
			}
			if sub.Petition.DueStage != models.StageTriage {
				t.Fatalf("due stage %q", sub.Petition.DueStage)
			}
			// The stored value reads back the same.
			var p models.Petition
			st.DB.First(&p, sub.Petition.ID)
			if !p.DueAt.Equal(*sub.Petition.DueAt) {
				t.Fatalf("stored due_at %v, returned %v", p.DueAt, sub.Petition.DueAt)
			}
			wantPrefix := "PAKN-" + now.Format("060102") + "-"
			if !strings.HasPrefix(sub.Petition.Code, wantPrefix) {
				t.Fatalf("code %s, want the Vietnam date %s", sub.Petition.Code, wantPrefix)
			}
		})
	}
	t.Run("a desk's date of receipt counts", func(t *testing.T) {
		in := validInput()
		in.Channel = models.ChannelPost
		in.ReceivedAt = vnTime(t, "2026-11-27 09:00")
		later := vnTime(t, "2026-11-30 10:00")
		st.Now = func() time.Time { return later }
		defer func() { st.Now = time.Now }()
		sub, err := st.SubmitPetition(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if got := sub.Petition.DueAt.In(workdays.VietnamLocation()).Format(time.RFC3339); got != "2026-12-04T23:59:59+07:00" {
			t.Fatalf("due_at %s", got)
		}
		if !strings.HasPrefix(sub.Petition.Code, "PAKN-261127-") {
			t.Fatalf("code %s", sub.Petition.Code)
		}
	})
}

func testTrackingLookup(t *testing.T, st *models.Store) {
	ctx := context.Background()
	sub, err := st.SubmitPetition(ctx, validInput())
	if err != nil {
		t.Fatal(err)
	}
	other, err := st.SubmitPetition(ctx, validInput())
	if err != nil {
		t.Fatal(err)
	}
	code, secret := sub.Petition.Code, sub.Secret
	if !regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$`).MatchString(secret) {
		t.Fatalf("secret %q is not XXXX-XXXX-XXXX in Crockford base32", secret)
	}

	tp, err := st.PetitionForCitizen(ctx, code, secret)
	if err != nil {
		t.Fatalf("lookup: %v", err)
	}
	if tp.Petition.Code != code || tp.Unit.Code != "BEN-LUC" || tp.Category.Code != "dat-dai" {
		t.Fatalf("tracked %+v", tp)
	}
	var types []string
	for _, e := range tp.Timeline {
		types = append(types, e.Type)
		if !e.Public {
			t.Errorf("timeline shows a private event %s", e.Type)
		}
	}
	if strings.Join(types, ",") != "received,routed" {
		t.Fatalf("timeline %v, want received,routed", types)
	}

	// What people type: lower case, spaces, no dashes, O for 0.
	typed := strings.ToLower(strings.ReplaceAll(secret, "-", " "))
	if _, err := st.PetitionForCitizen(ctx, " "+strings.ToLower(code)+" ", strings.ReplaceAll(typed, "0", "o")); err != nil {
		t.Fatalf("lookup as typed: %v", err)
	}

	for name, c := range map[string][2]string{
		"wrong code":                {"PAKN-000101-9999", secret},
		"wrong secret":              {code, "AAAA-BBBB-CCCC"},
		"empty secret":              {code, ""},
		"another petition's code":   {other.Petition.Code, secret},
		"another petition's secret": {code, other.Secret},
	} {
		if _, err := st.PetitionForCitizen(ctx, c[0], c[1]); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("%s: got %v, want ErrNotFound", name, err)
		}
	}

	// The secret is stored hashed: no column of the row holds it, with
	// or without its dashes.
	var row map[string]any
	if err := st.DB.Table("petitions").Where("code = ?", code).Take(&row).Error; err != nil {
		t.Fatal(err)
	}
	plain := []string{secret, strings.ReplaceAll(secret, "-", "")}
	for col, v := range row {
		s := fmt.Sprint(v)
		if b, ok := v.([]byte); ok {
			s = string(b)
		}
		for _, p := range plain {
			if strings.Contains(strings.ToUpper(s), p) {
				t.Errorf("column %s contains the plaintext secret", col)
			}
		}
	}
	if h, _ := row["secret_hash"].(string); len(h) != 64 {
		t.Errorf("secret_hash %q is not a SHA-256 hex digest", row["secret_hash"])
	}
	// Nor do the outbox rows or events.
	var leaks int64
	st.DB.Model(&models.OutboxMessage{}).Where("data LIKE ?", "%"+secret+"%").Count(&leaks)
	if leaks != 0 {
		t.Errorf("the outbox holds the plaintext secret")
	}
}

var codeRe = regexp.MustCompile(`^PAKN-\d{6}-\d{4,}$`)

func testTrackingCodesUniqueUnderConcurrency(t *testing.T, st *models.Store) {
	ctx := context.Background()
	const n = 60
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		codes []string
		errs  []error
	)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			in := validInput()
			in.Title = fmt.Sprintf("Phản ánh đồng thời số %d", i)
			if i%2 == 1 {
				in.Petitioner.Email = ""
			}
			sub, err := st.SubmitPetition(ctx, in)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			codes = append(codes, sub.Petition.Code)
		}()
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d of %d submissions failed, first: %v", len(errs), n, errs[0])
	}
	seen := map[string]bool{}
	today := time.Now().In(workdays.VietnamLocation()).Format("060102")
	for _, c := range codes {
		if seen[c] {
			t.Errorf("code %s issued twice", c)
		}
		seen[c] = true
		if !codeRe.MatchString(c) || !strings.HasPrefix(c, "PAKN-"+today+"-") {
			t.Errorf("code %q is not PAKN-%s-NNNN", c, today)
		}
	}
	var stored []string
	const title = "Phản ánh đồng thời số %"
	if err := st.DB.Model(&models.Petition{}).Where("title LIKE ?", title).Order("code").Pluck("code", &stored).Error; err != nil {
		t.Fatal(err)
	}
	sort.Strings(codes)
	if len(stored) != n || strings.Join(stored, ",") != strings.Join(codes, ",") {
		t.Fatalf("committed %d petitions, acknowledged %d", len(stored), len(codes))
	}
	// One receipt notice per petition, e-mail or SMS by the contact left.
	var outbox []models.OutboxMessage
	st.DB.Where("petition_id IN (?)", st.DB.Model(&models.Petition{}).Select("id").Where("title LIKE ?", title)).Find(&outbox)
	if len(outbox) != n {
		t.Fatalf("%d outbox rows for %d petitions", len(outbox), n)
	}
	var sms int
	for _, m := range outbox {
		if m.Channel == models.OutboxSMS {
			sms++
		}
	}
	if sms != n/2 {
		t.Fatalf("%d SMS notices, want %d", sms, n/2)
	}
}

func testSubmitWritesEventsAndOutbox(t *testing.T, st *models.Store) {
	ctx := context.Background()
	now := vnTime(t, "2026-11-27 09:00")
	st.Now = func() time.Time { return now }
	defer func() { st.Now = time.Now }()
	sub, err := st.SubmitPetition(ctx, validInput())
	if err != nil {
		t.Fatal(err)
	}
	p := sub.Petition
	if p.Status != models.StatusReceived || p.Channel != models.ChannelWeb || p.Language != "vi" {
		t.Fatalf("petition %+v", p)
	}
	var stored models.Petition
	if err := st.DB.First(&stored, p.ID).Error; err != nil {
		t.Fatal(err)
	}
	if stored.Code != p.Code || stored.CreatedAt.IsZero() || stored.UpdatedAt.IsZero() || !stored.ReceivedAt.Equal(now) ||
		stored.SecretHash == "" || stored.UnitID != sub.Unit.ID {
		t.Fatalf("stored petition %+v", stored)
	}

	var events []models.Event
	st.DB.Where("petition_id = ?", p.ID).Order("id").Find(&events)
	want := []struct {
		typ, to string
		public  bool
	}{
		{"received", models.StatusReceived, true},
		{"routed", "BEN-LUC", true},
		{"due_set", "2026-12-04T23:59:59+07:00", false},
	}
	if len(events) != len(want) {
		t.Fatalf("%d events, want %d: %+v", len(events), len(want), events)
	}
	for i, w := range want {
		e := events[i]
		if e.Type != w.typ || e.ToValue != w.to || e.Public != w.public || !e.At.Equal(now) {
			t.Errorf("event %d: %+v, want %+v at %v", i, e, w, now)
		}
	}
	if events[0].ActorName != "Nguyễn Văn An" {
		t.Errorf("received by %q", events[0].ActorName)
	}

	var msgs []models.OutboxMessage
	st.DB.Where("petition_id = ?", p.ID).Find(&msgs)
	if len(msgs) != 1 {
		t.Fatalf("%d outbox rows", len(msgs))
	}
	m := msgs[0]
	wantKey := "petition:" + p.Code + ":received:20261204T165959:email"
	if m.DedupeKey != wantKey || m.Channel != models.OutboxEmail || m.Recipient != "an@example.vn" ||
		m.Template != "citizen_received" || m.Status != models.OutboxPending {
		t.Fatalf("outbox row %+v, want key %s", m, wantKey)
	}
	for _, s := range []string{p.Code, "Ủy ban nhân dân huyện Bến Lức", `"lang":"vi"`} {
		if !strings.Contains(m.Data, s) {
			t.Errorf("notice data %s lacks %s", m.Data, s)
		}
	}

	// Phone only: the notice goes by SMS.
	in := validInput()
	in.Petitioner.Email = ""
	in.Language = "en"
	sub2, err := st.SubmitPetition(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	var sms models.OutboxMessage
	if err := st.DB.Where("petition_id = ?", sub2.Petition.ID).First(&sms).Error; err != nil {
		t.Fatal(err)
	}
	if sms.Channel != models.OutboxSMS || sms.Recipient != "0901234567" || !strings.HasSuffix(sms.DedupeKey, ":sms") ||
		!strings.Contains(sms.Data, `"lang":"en"`) {
		t.Fatalf("sms row %+v", sms)
	}
	backlog, err := st.OutboxBacklog(ctx)
	if err != nil || backlog[models.OutboxEmail] < 1 || backlog[models.OutboxSMS] < 1 {
		t.Fatalf("backlog %v, %v", backlog, err)
	}
}

func migrateStore(st *models.Store) error {
	return migrations.Migrate(context.Background(), st.DB, st.Dialect)
}

// testSubmitIsAtomic: when a later write of the submission fails, nothing of
// it is committed (on PostgreSQL the writes go in one pipelined implicit
// transaction). A CHECK constraint makes the events insert fail.
func testSubmitIsAtomic(t *testing.T, st *models.Store) {
	ctx := context.Background()
	if st.Dialect != models.Postgres {
		if err := st.DB.Exec(`CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.note = 'boom'
BEGIN SELECT RAISE(ABORT, 'boom'); END`).Error; err != nil {
			t.Fatal(err)
		}
		defer st.DB.Exec(`DROP TRIGGER boom`)
	} else {
		if err := st.DB.Exec(`ALTER TABLE events ADD CONSTRAINT boom CHECK (note <> 'boom')`).Error; err != nil {
			t.Fatal(err)
		}
		defer st.DB.Exec(`ALTER TABLE events DROP CONSTRAINT boom`)
	}
	var petitions, outbox int64
	st.DB.Model(&models.Petition{}).Count(&petitions)
	st.DB.Model(&models.OutboxMessage{}).Count(&outbox)
	in := validInput()
	in.Channel = "boom"
	if _, err := st.SubmitPetition(ctx, in); err == nil {
		t.Fatal("submission succeeded although its events could not be written")
	}
	var p2, o2 int64
	st.DB.Model(&models.Petition{}).Count(&p2)
	st.DB.Model(&models.OutboxMessage{}).Count(&o2)
	if p2 != petitions || o2 != outbox {
		t.Fatalf("a failed submission left rows: petitions %d→%d, outbox %d→%d", petitions, p2, outbox, o2)
	}
	// The store works on afterwards (the connection is clean).
	for range 3 {
		if _, err := st.SubmitPetition(ctx, validInput()); err != nil {
			t.Fatalf("after a failed submission: %v", err)
		}
	}
}
