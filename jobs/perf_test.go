package jobs_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/models"
)

// bulkLoad inserts n open petitions of STNMT with INSERT ... SELECT
// generate_series, due between 30 days and 2 years after now (nothing due
// within the reminder horizon), then ANALYZEs.
func bulkLoad(t testing.TB, st *models.Store, n int, now time.Time) {
	t.Helper()
	var unit models.Unit
	var cat models.Category
	if err := st.DB.Where("code = ?", "STNMT").First(&unit).Error; err != nil {
		t.Fatal(err)
	}
	if err := st.DB.Where("code = ?", "dat-dai").First(&cat).Error; err != nil {
		t.Fatal(err)
	}
	q := `INSERT INTO petitions (code, secret_hash, kind, title, content, category_id, unit_id, status, channel, language,
	petitioner_name, petitioner_email, received_at, due_at, due_stage, transfers, publish_consent, confidential_identity, created_at, updated_at)
SELECT 'BENCH-' || g, md5(g::text), 'complaint', 'Kiến nghị số ' || g, 'Nội dung kiến nghị thử nghiệm hiệu năng', ?, ?,
	(ARRAY['received','accepted','drafted'])[1 + g % 3], 'web', 'vi', 'Người gửi ' || g, 'b' || g || '@example.vn',
	?::timestamptz, ?::timestamptz + (g % 700) * interval '1 day', (ARRAY['triage','answer','answer'])[1 + g % 3], 0, false, false, ?::timestamptz, ?::timestamptz
FROM generate_series(1, ?) AS g`
	from := now.Add(30 * 24 * time.Hour)
	if err := st.DB.Exec(q, cat.ID, unit.ID, now.UTC(), from.UTC(), now.UTC(), now.UTC(), n).Error; err != nil {
		t.Fatalf("bulk load: %v", err)
	}
	if err := st.DB.Exec("ANALYZE petitions").Error; err != nil {
		t.Fatal(err)
	}
}

// explainDeadlines returns the plan of the deadlines job's query at now.
func explainDeadlines(t testing.TB, st *models.Store, now time.Time, analyze bool) string {
	t.Helper()
	cal, err := st.Calendar(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	horizon := cal.AddWorkingDays(now, models.ReminderLeadDays)
	q, args := st.DeadlineCandidatesSQL(horizon)
	prefix := "EXPLAIN "
	if analyze {
		prefix = "EXPLAIN (ANALYZE, BUFFERS) "
	}
	var lines []string
	if err := st.DB.Raw(prefix+q, args...).Scan(&lines).Error; err != nil {
		t.Fatalf("explain %s: %v", q, err)
	}
	return strings.Join(lines, "\n")
}

// The deadlines job reads by the partial index on open petitions' due_at,
// never by a sequential scan, and is quick when nothing is due.
func TestDeadlinesQueryPlan(t *testing.T) {
	t.Parallel()
	tg := testdb.Postgres(t)
	e := testenv.New(t, tg)
	now := vn(2026, 12, 7, 9, 0)
	bulkLoad(t, e.Store, 20000, now)
	plan := explainDeadlines(t, e.Store, now, false)
	t.Logf("plan:\n%s", plan)
	if !strings.Contains(plan, "idx_petitions_open_due") || strings.Contains(plan, "Seq Scan on petitions") {
		t.Fatalf("the deadlines query does not use idx_petitions_open_due:\n%s", plan)
	}
	start := time.Now()
	res, err := e.Store.RunDeadlines(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); res.Candidates != 0 || took > time.Second {
		t.Errorf("nothing due: %d candidates in %s", res.Candidates, took)
	}
}

// TestMillionOpenPetitions is the benchmark of BENCHMARKS.md ("Scheduled jobs"): one
// million open petitions in PostgreSQL, the deadlines job when nothing is
// due and when 1,000 are. Run with
//
//	PAKN_BENCH_MILLION=1 PAKN_TEST_DATABASE_URL=postgres://… go test -run TestMillionOpenPetitions -v -timeout 30m ./jobs
//
// (PAKN_BENCH_ROWS changes the count).
func TestMillionOpenPetitions(t *testing.T) {
	t.Parallel()
	if os.Getenv("PAKN_BENCH_MILLION") != "1" {
		t.Skip("set PAKN_BENCH_MILLION=1 (and PAKN_TEST_DATABASE_URL) to run the one-million-petition benchmark")
	}
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("PAKN_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	tg := testdb.Postgres(t)
	e := testenv.New(t, tg)
	now := vn(2026, 12, 7, 9, 0)
	start := time.Now()
	bulkLoad(t, e.Store, n, now)
	t.Logf("loaded %d open petitions with INSERT ... SELECT generate_series and ANALYZE in %s", n, time.Since(start).Round(time.Millisecond))

	measure := func(label string) {
		var times []time.Duration
		var res models.DeadlineRun
		for range 7 {
			s := time.Now()
			var err error
			if res, err = e.Store.RunDeadlines(context.Background(), now); err != nil {
				t.Fatal(err)
			}
			times = append(times, time.Since(s))
		}
		slices.Sort(times)
		t.Logf("%s: candidates %d, notices created by the last run %d; deadlines job min %s, median %s, max %s",
			label, res.Candidates, res.Notices, times[0].Round(time.Microsecond), times[3].Round(time.Microsecond), times[6].Round(time.Microsecond))
		if label == "nothing due" && times[3] > time.Second {
			t.Errorf("nothing due took %s (median), want under a second", times[3])
		}
	}
	measure("nothing due")
	t.Logf("plan (nothing due):\n%s", explainDeadlines(t, e.Store, now, true))

	// 1,000 become due today: the job reads those only.
	if err := e.Store.DB.Exec(`UPDATE petitions SET due_at = ? WHERE id IN (SELECT id FROM petitions WHERE code LIKE 'BENCH-%' ORDER BY id LIMIT 1000)`,
		vn(2026, 12, 8, 23, 59).Add(59*time.Second).UTC()).Error; err != nil {
		t.Fatal(err)
	}
	e.Store.DB.Exec("ANALYZE petitions")
	s := time.Now()
	res, err := e.Store.RunDeadlines(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("1,000 due within the horizon, first run: candidates %d, notices %d in %s", res.Candidates, res.Notices, time.Since(s).Round(time.Millisecond))
	measure("1,000 due, repeat runs")
	fmt.Fprintln(os.Stderr, "plan (1,000 due):\n"+explainDeadlines(t, e.Store, now, true))
}
