package models

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/migrations"
	"pakn/models/workdays"
)

// pgStore is a migrated, demo-seeded PostgreSQL store (skipped without
// PAKN_TEST_DATABASE_URL).
func pgStore(t *testing.T) *Store {
	t.Helper()
	tg := testdb.Postgres(t)
	ctx := context.Background()
	st, err := Open(ctx, OpenOptions{URL: tg.URL, DataDir: tg.DataDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := migrations.Migrate(ctx, st.DB, st.Dialect); err != nil {
		t.Fatal(err)
	}
	if err := st.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	return st
}

var pgCodeRe = regexp.MustCompile(`^PAKN-\d{6}-\d{4,}$`)

func intakeInput(title string) SubmitInput {
	return SubmitInput{
		Kind: KindComplaint, Title: title, Category: "dat-dai", Area: "BEN-LUC",
		Content: "Đoạn đường liên xã qua ấp 3 bị sụt lún nhiều tháng nay, đề nghị sửa chữa.",
		Petitioner: PetitionerInput{Name: "Nguyễn Văn An", Phone: "0901234567", Email: "an@example.vn",
			Address: "Ấp 3, xã Mỹ Yên, huyện Bến Lức"},
	}
}

// TestIntakePostgres covers what the one-statement, batched intake adds on
// PostgreSQL: per-day sequences, batches and their failures, and rows equal
// to those of the ordinary transaction.
func TestIntakePostgres(t *testing.T) {
	st := pgStore(t)
	t.Run("DaySequences", func(t *testing.T) { testDaySequences(t, st) })
	t.Run("RetiredSequenceGoesOn", func(t *testing.T) { testRetiredSequenceGoesOn(t, st) })
	t.Run("BatchWithABadSubmission", func(t *testing.T) { testBatchWithABadSubmission(t, st) })
	t.Run("StaleReferenceWritesNothing", func(t *testing.T) { testStaleReferenceWritesNothing(t, st) })
	t.Run("SameRowsAsTheTransaction", func(t *testing.T) { testSameRowsAsTheTransaction(t, st) })
	t.Run("ConcurrentDaysAndBatches", func(t *testing.T) { testConcurrentDaysAndBatches(t, st) })
}

// testDaySequences: each Vietnam day numbers from 1 (or after the number
// an earlier version's counter table reached), at least four digits.
func testDaySequences(t *testing.T, st *Store) {
	ctx := context.Background()
	// An earlier version numbered 2027-01-04 up to 41 in code_sequences.
	if err := st.DB.Exec(`INSERT INTO code_sequences (day, last) VALUES ('270104', 41)`).Error; err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		now    string // Vietnam time
		setval int64  // >0: the day's sequence is moved there first
		want   string
	}{
		{"first petition of a day", "2027-01-01 08:00", 0, "PAKN-270101-0001"},
		{"second of the same day", "2027-01-01 23:59", 0, "PAKN-270101-0002"},
		{"the next day starts again (midnight, Vietnam time)", "2027-01-02 00:00", 0, "PAKN-270102-0001"},
		{"16:59 UTC is still the 2nd in Vietnam", "2027-01-02 23:59", 0, "PAKN-270102-0002"},
		{"a day the counter table had reached 41", "2027-01-04 09:00", 0, "PAKN-270104-0042"},
		{"number 9999", "2027-01-05 09:00", 9998, "PAKN-270105-9999"},
		{"five digits after 9999", "2027-01-05 09:01", 0, "PAKN-270105-10000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			now, err := time.ParseInLocation("2006-01-02 15:04", tc.now, workdays.VietnamLocation())
			if err != nil {
				t.Fatal(err)
			}
			st.Now = func() time.Time { return now }
			defer func() { st.Now = time.Now }()
			if tc.setval > 0 {
				day := now.Format("060102")
				if err := st.ensureCodeSequence(ctx, day); err != nil {
					t.Fatal(err)
				}
				if err := st.DB.Exec(`SELECT setval(CAST(? AS regclass), ?)`, codeSequenceName(day), tc.setval).Error; err != nil {
					t.Fatal(err)
				}
			}
			sub, err := st.SubmitPetition(ctx, intakeInput(tc.name))
			if err != nil {
				t.Fatal(err)
			}
			if sub.Petition.Code != tc.want {
				t.Fatalf("code %s, want %s", sub.Petition.Code, tc.want)
			}
			if formatCode(now.Format("060102"), mustNumber(t, tc.want)) != tc.want {
				t.Fatalf("formatCode disagrees with the statement on %s", tc.want)
			}
			// The citizen's secret opens it: the hash made in SQL is hashSecret's.
			if _, err := st.PetitionForCitizen(ctx, sub.Petition.Code, sub.Secret); err != nil {
				t.Fatalf("lookup with the secret: %v", err)
			}
			var stored Petition
			if err := st.DB.Where("code = ?", tc.want).First(&stored).Error; err != nil {
				t.Fatal(err)
			}
			if stored.SecretHash != sub.Petition.SecretHash || stored.ID != sub.Petition.ID {
				t.Fatalf("stored %d %s, returned %d %s", stored.ID, stored.SecretHash, sub.Petition.ID, sub.Petition.SecretHash)
			}
		})
	}
}

func mustNumber(t *testing.T, code string) int64 {
	t.Helper()
	var n int64
	if _, err := fmt.Sscanf(code[len("PAKN-YYMMDD-"):], "%d", &n); err != nil {
		t.Fatalf("code %s: %v", code, err)
	}
	return n
}

// testRetiredSequenceGoesOn: creating a day's sequence retires those older
// than codeSequenceKeepDays, keeping their last number in code_sequences,
// and a petition dated on a retired day continues after it.
func testRetiredSequenceGoesOn(t *testing.T, st *Store) {
	ctx := context.Background()
	at := func(s string) {
		now, err := time.ParseInLocation("2006-01-02 15:04", s, workdays.VietnamLocation())
		if err != nil {
			t.Fatal(err)
		}
		st.Now = func() time.Time { return now }
	}
	defer func() { st.Now = time.Now }()
	at("2027-03-01 10:00")
	var codes []string
	for range 3 {
		sub, err := st.SubmitPetition(ctx, intakeInput("trước khi nghỉ hưu"))
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, sub.Petition.Code)
	}
	// 40 days later the first submission of the day retires 270301's sequence.
	at("2027-04-10 10:00")
	if _, err := st.SubmitPetition(ctx, intakeInput("ngày mới")); err != nil {
		t.Fatal(err)
	}
	var exists bool
	st.DB.Raw(`SELECT to_regclass(?) IS NOT NULL`, codeSequenceName("270301")).Scan(&exists)
	if exists {
		t.Fatal("the sequence of a day 40 days back was not retired")
	}
	var last int64
	st.DB.Raw(`SELECT last FROM code_sequences WHERE day = '270301'`).Scan(&last)
	if last != 3 {
		t.Fatalf("code_sequences keeps %d for the retired day, want 3 (codes %v)", last, codes)
	}
	// A desk enters a letter received on 2027-03-01.
	in := intakeInput("thư nhận ngày 1/3")
	in.Channel = ChannelPost
	in.ReceivedAt, _ = time.ParseInLocation("2006-01-02 15:04", "2027-03-01 09:00", workdays.VietnamLocation())
	sub, err := st.SubmitPetition(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Petition.Code != "PAKN-270301-0004" {
		t.Fatalf("code %s after the retired day's 0003, want PAKN-270301-0004", sub.Petition.Code)
	}
}

// planned plans a submission for the store's current reference data.
func planned(t *testing.T, st *Store, in SubmitInput) *intakeItem {
	t.Helper()
	ctx := context.Background()
	in.normalise()
	in.Channel, in.Language = ChannelAPI, "vi"
	ref, err := st.intakeReference(ctx)
	if err != nil {
		t.Fatal(err)
	}
	now := st.now()
	sub, err := st.planSubmission(ctx, &in, in.validate(), ref, now, now)
	if err != nil {
		t.Fatal(err)
	}
	it, err := newIntakeItem(ctx, ref.stamp, now.In(workdays.VietnamLocation()).Format("060102"), sub)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

func countRows(t *testing.T, st *Store) (petitions, events, outbox int64) {
	t.Helper()
	st.DB.Model(&Petition{}).Count(&petitions)
	st.DB.Model(&Event{}).Count(&events)
	st.DB.Model(&OutboxMessage{}).Count(&outbox)
	return
}

// testBatchWithABadSubmission: a statement that fails for one submission is
// written again one by one, so only that one fails, and it leaves no row.
func testBatchWithABadSubmission(t *testing.T, st *Store) {
	ctx := context.Background()
	if err := st.DB.Exec(`ALTER TABLE events ADD CONSTRAINT boom CHECK (note <> 'boom')`).Error; err != nil {
		t.Fatal(err)
	}
	defer st.DB.Exec(`ALTER TABLE events DROP CONSTRAINT boom`)
	var items []*intakeItem
	for i := range 5 {
		it := planned(t, st, intakeInput(fmt.Sprintf("lô số %d", i)))
		if i == 2 {
			it.sub.events[0].Note = "boom"
		}
		items = append(items, it)
	}
	p0, e0, o0 := countRows(t, st)
	st.writeSubmissions(ctx, items)
	for i, it := range items {
		err := <-it.done
		switch {
		case i == 2 && err == nil:
			t.Errorf("the bad submission was written")
		case i != 2 && err != nil:
			t.Errorf("submission %d failed with its bad neighbour: %v", i, err)
		case i != 2 && !pgCodeRe.MatchString(it.sub.Petition.Code):
			t.Errorf("submission %d has code %q", i, it.sub.Petition.Code)
		}
	}
	p1, e1, o1 := countRows(t, st)
	if p1-p0 != 4 || e1-e0 != 12 || o1-o0 != 4 {
		t.Fatalf("wrote %d petitions, %d events, %d notices; want 4, 12, 4", p1-p0, e1-e0, o1-o0)
	}
}

// testStaleReferenceWritesNothing: a submission planned on reference data
// that changed since is not written and takes no number.
func testStaleReferenceWritesNothing(t *testing.T, st *Store) {
	ctx := context.Background()
	it := planned(t, st, intakeInput("dữ liệu cũ"))
	fresh := planned(t, st, intakeInput("dữ liệu mới"))
	st.writeSubmissions(ctx, []*intakeItem{fresh})
	if err := <-fresh.done; err != nil {
		t.Fatal(err)
	}
	// An administrator renames a unit: the triggers bump the version.
	if err := st.DB.Exec(`UPDATE units SET name = name WHERE code = 'BEN-LUC'`).Error; err != nil {
		t.Fatal(err)
	}
	p0, e0, o0 := countRows(t, st)
	st.writeSubmissions(ctx, []*intakeItem{it})
	if err := <-it.done; !errors.Is(err, errStaleReference) {
		t.Fatalf("got %v, want errStaleReference", err)
	}
	if p1, e1, o1 := countRows(t, st); p1 != p0 || e1 != e0 || o1 != o0 {
		t.Fatal("a stale submission wrote rows")
	}
	// SubmitPetition plans it again on the new data; no number was lost.
	sub, err := st.SubmitPetition(ctx, intakeInput("dữ liệu cũ"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mustNumber(t, sub.Petition.Code), mustNumber(t, fresh.sub.Petition.Code)+1; got != want {
		t.Fatalf("number %d after %d: the stale attempt took a number", got, want-1)
	}
}

// testSameRowsAsTheTransaction: the statement writes exactly what the
// ordinary transaction (taken by a submission with files) writes.
func testSameRowsAsTheTransaction(t *testing.T, st *Store) {
	ctx := context.Background()
	now := time.Date(2027, 2, 3, 4, 5, 6, 0, time.UTC)
	st.Now = func() time.Time { return now }
	defer func() { st.Now = time.Now }()
	lat, long := 10.6, 106.4
	clerk := int64(1)
	in := intakeInput("so sánh hai đường ghi")
	in.Lat, in.Long, in.EnteredByID, in.ActorName = &lat, &long, &clerk, "Cán bộ tiếp nhận"
	in.Channel, in.Language, in.PublishConsent, in.ConfidentialIdentity = ChannelPostOffice, "en", true, true
	in.Petitioner.Organization = "Hợp tác xã"
	in.DossierCode, in.ProcedureCode = "000.00.17.H42-270203-0001", "1.001612"
	one, err := st.SubmitPetition(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	in.Attachments = []AttachmentInput{{Name: "don.pdf", Data: []byte("%PDF-1.4\n% tệp đính kèm\n%%EOF\n")}}
	two, err := st.SubmitPetition(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	row := func(table, where string, id int64, drop ...string) []map[string]any {
		var rows []map[string]any
		if err := st.DB.Table(table).Where(where, id).Order("id").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			for _, c := range append(drop, "id") {
				delete(r, c)
			}
			for c, v := range r {
				if s, ok := v.(string); ok {
					r[c] = strings.ReplaceAll(s, fmt.Sprint(mustCode(t, st, id)), "CODE")
				}
			}
		}
		return rows
	}
	for _, tc := range []struct {
		table, where string
		drop         []string
	}{
		{"petitions", "id = ?", []string{"code", "secret_hash", "created_at", "updated_at"}},
		{"events", "petition_id = ?", []string{"petition_id"}},
		{"outbox_messages", "petition_id = ?", []string{"petition_id"}},
	} {
		a, b := row(tc.table, tc.where, one.Petition.ID, tc.drop...), row(tc.table, tc.where, two.Petition.ID, tc.drop...)
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s differ:\nstatement:   %v\ntransaction: %v", tc.table, a, b)
		}
		if len(a) == 0 {
			t.Errorf("%s: no rows", tc.table)
		}
		if tc.table == "petitions" && len(a) > 0 && (a[0]["dossier_code"] != in.DossierCode || a[0]["procedure_code"] != in.ProcedureCode) {
			t.Errorf("the statement wrote dossier %v, procedure %v", a[0]["dossier_code"], a[0]["procedure_code"])
		}
	}
}

func mustCode(t *testing.T, st *Store, id int64) string {
	t.Helper()
	var code string
	if err := st.DB.Raw(`SELECT code FROM petitions WHERE id = ?`, id).Scan(&code).Error; err != nil {
		t.Fatal(err)
	}
	return code
}

// testConcurrentDaysAndBatches: many submissions at once, some dated by a
// desk on earlier days, share statements; every code is unique and every
// acknowledged petition has its events and notice.
func testConcurrentDaysAndBatches(t *testing.T, st *Store) {
	ctx := context.Background()
	const n = 120
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		codes = map[string]int64{}
		errs  []error
	)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			in := intakeInput(fmt.Sprintf("đồng thời %d", i))
			if i%3 == 0 {
				in.Channel = ChannelPost
				in.ReceivedAt = time.Now().AddDate(0, 0, -(i%9)/3-1)
			}
			sub, err := st.SubmitPetition(ctx, in)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if _, dup := codes[sub.Petition.Code]; dup {
				t.Errorf("code %s issued twice", sub.Petition.Code)
			}
			codes[sub.Petition.Code] = sub.Petition.ID
		}()
	}
	close(start)
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d of %d failed, first: %v", len(errs), n, errs[0])
	}
	for code, id := range codes {
		var p Petition
		if err := st.DB.First(&p, id).Error; err != nil || p.Code != code {
			t.Fatalf("petition %d: %v (code %q, want %s)", id, err, p.Code, code)
		}
		var events, notices int64
		st.DB.Model(&Event{}).Where("petition_id = ?", id).Count(&events)
		st.DB.Model(&OutboxMessage{}).Where("petition_id = ? AND dedupe_key LIKE ?", id, "petition:"+code+":received:%").Count(&notices)
		if events != 3 || notices != 1 {
			t.Fatalf("%s: %d events, %d notices", code, events, notices)
		}
	}
}
