package models_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

// statementLog records the SQL (with placeholders, without values) and the
// number of bound values of every statement a store runs.
type statementLog struct {
	mu   sync.Mutex
	on   bool
	seen []string
}

func (l *statementLog) attach(t *testing.T, db *gorm.DB) {
	t.Helper()
	rec := func(db *gorm.DB) {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.on {
			l.seen = append(l.seen, fmt.Sprintf("%s /%d values", db.Statement.SQL.String(), len(db.Statement.Vars)))
		}
	}
	cb := db.Callback()
	for name, err := range map[string]error{
		"create": cb.Create().After("gorm:create").Register("test:log", rec),
		"query":  cb.Query().After("gorm:query").Register("test:log", rec),
		"update": cb.Update().After("gorm:update").Register("test:log", rec),
		"delete": cb.Delete().After("gorm:delete").Register("test:log", rec),
		"row":    cb.Row().After("gorm:row").Register("test:log", rec),
		"raw":    cb.Raw().After("gorm:raw").Register("test:log", rec),
	} {
		if err != nil {
			t.Fatalf("callback %s: %v", name, err)
		}
	}
}

func (l *statementLog) record(fn func()) []string {
	l.mu.Lock()
	l.on, l.seen = true, nil
	l.mu.Unlock()
	fn()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.seen
}

// A resend does the same work whether or not the code and contact match and
// whether or not a channel can deliver: the same statements, in the same
// order, with as many values. Only the rows they touch differ. (Wall time
// is compared by BenchmarkResendSecret.)
func TestResendDoesTheSameWork(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		st := e.Store
		ctx := context.Background()
		mail := e.Submit(models.SubmitInput{})
		phoneOnly := e.Submit(models.SubmitInput{Petitioner: models.PetitionerInput{Name: "Lê Thị Hạnh", Phone: "0987 654 321", Address: "Ấp 2, xã Mỹ Yên"}})
		log := &statementLog{}
		log.attach(t, st.DB)
		smsOff := func() { st.Delivery.SMS = false }
		cases := []struct {
			name, code, contact string
			setup               func()
			want                models.ResendOutcome
			writes              bool
		}{
			{"e-mail matches", mail.Petition.Code, "AN@example.vn", nil, models.ResendQueued, true},
			{"e-mail differs", mail.Petition.Code, "someone@else.vn", nil, models.ResendQueued, false},
			{"unknown code", "PAKN-000101-0001", "an@example.vn", nil, models.ResendQueued, false},
			{"phone matches, SMS on", phoneOnly.Petition.Code, "+84 987 654 321", nil, models.ResendQueued, true},
			{"phone matches, no SMS", phoneOnly.Petition.Code, "0987654321", smsOff, models.ResendNoChannel, false},
			{"phone differs, no SMS", phoneOnly.Petition.Code, "0911111111", smsOff, models.ResendNoChannel, false},
			{"e-mail of another kind of contact, no SMS", mail.Petition.Code, "0901234567", smsOff, models.ResendNoChannel, false},
		}
		var first []string
		for _, c := range cases {
			sms := st.Delivery.SMS
			if c.setup != nil {
				c.setup()
			}
			var before, after int64
			st.DB.Model(&models.OutboxMessage{}).Where("template = ?", "citizen_secret").Count(&before)
			var got models.ResendOutcome
			var err error
			stmts := log.record(func() { got, err = st.ResendSecret(ctx, c.code, c.contact) })
			st.Delivery.SMS = sms
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got != c.want {
				t.Errorf("%s: outcome %v, want %v", c.name, got, c.want)
			}
			st.DB.Model(&models.OutboxMessage{}).Where("template = ?", "citizen_secret").Count(&after)
			if wrote := after > before; wrote != c.writes {
				t.Errorf("%s: wrote a notice %v, want %v", c.name, wrote, c.writes)
			}
			if len(stmts) == 0 {
				t.Fatalf("%s: no statement recorded", c.name)
			}
			if first == nil {
				first = stmts
			} else if !slices.Equal(stmts, first) {
				t.Errorf("%s does other work than %s:\n%q\n%q", c.name, cases[0].name, stmts, first)
			}
		}
		// No resend ever locked anyone out.
		for _, s := range []*models.Submission{mail, phoneOnly} {
			if _, err := st.PetitionForCitizen(ctx, s.Petition.Code, s.Secret); err != nil {
				t.Errorf("%s: the working secret stopped working: %v", s.Petition.Code, err)
			}
		}
	})
}

// Every branch takes at least Delivery.ResendTime: the padding that hides
// the differing cost of the rows written (a lower bound, never flaky).
func TestResendTakesTheSameTime(t *testing.T) {
	tg := testdb.SQLite(t)
	e := testenv.New(t, tg)
	sub := e.Submit(models.SubmitInput{})
	e.Store.Delivery.ResendTime = 80 * time.Millisecond
	for _, contact := range []string{"an@example.vn", "someone@else.vn", "0911111111"} {
		start := time.Now()
		if _, err := e.Store.ResendSecret(context.Background(), sub.Petition.Code, contact); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took < 80*time.Millisecond {
			t.Errorf("resend to %s answered after %s, before the padded time", contact, took)
		}
	}
}

// Only the newest reissued secret is pending; using the old one keeps it
// pending; the first use of the new one retires the old.
func TestReissuedSecretReplacesOnFirstUse(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		e := testenv.New(t, tg)
		st := e.Store
		ctx := context.Background()
		sub := e.Submit(models.SubmitInput{})
		code := sub.Petition.Code
		newest := func() string {
			var m models.OutboxMessage
			if err := st.DB.Where("petition_id = ? AND template = ?", sub.Petition.ID, "citizen_secret").Order("id DESC").First(&m).Error; err != nil {
				t.Fatal(err)
			}
			raw, err := st.NoticeData(m)
			if err != nil {
				t.Fatal(err)
			}
			var d struct{ Secret string }
			if err := jsonUnmarshal(raw, &d); err != nil || d.Secret == "" {
				t.Fatalf("notice data %q: %v", raw, err)
			}
			return d.Secret
		}
		for range 2 {
			if _, err := st.ResendSecret(ctx, code, "an@example.vn"); err != nil {
				t.Fatal(err)
			}
		}
		second := newest()
		if _, err := st.WithdrawPetition(ctx, code, sub.Secret); err != nil {
			t.Fatalf("old secret after two resends: %v", err)
		}
		if _, err := st.PetitionForCitizen(ctx, code, second); err != nil {
			t.Fatalf("newest secret: %v", err)
		}
		if _, err := st.PetitionForCitizen(ctx, code, sub.Secret); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("old secret after the new one was used: %v", err)
		}
		var n int64
		st.DB.Model(&models.Event{}).Where("petition_id = ? AND type = ?", sub.Petition.ID, "secret_replaced").Count(&n)
		if n != 1 {
			t.Errorf("%d secret_replaced events", n)
		}
		// A sealed secret does not open in another row, nor with another key.
		var m models.OutboxMessage
		st.DB.Where("petition_id = ? AND template = ?", sub.Petition.ID, "citizen_secret").Order("id DESC").First(&m)
		m.DedupeKey += "x"
		if _, err := st.NoticeData(m); err == nil {
			t.Error("a sealed secret opened under another row's key")
		}
	})
}

func BenchmarkResendSecret(b *testing.B) {
	tg := testdb.SQLite(b)
	e := testenv.New(b, tg)
	sub := e.Submit(models.SubmitInput{})
	ctx := context.Background()
	for _, c := range []struct{ name, code, contact string }{
		{"match", sub.Petition.Code, "an@example.vn"},
		{"wrong_contact", sub.Petition.Code, "someone@else.vn"},
		{"unknown_code", "PAKN-000101-0001", "an@example.vn"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := e.Store.ResendSecret(ctx, c.code, c.contact); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
