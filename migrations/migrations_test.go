package migrations_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"pakn/internal/testdb"
	"pakn/migrations"
	"pakn/models"
)

func open(t *testing.T, tg testdb.Target) *models.Store {
	t.Helper()
	st, err := models.Open(context.Background(), models.OpenOptions{URL: tg.URL, DataDir: tg.DataDir})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if testing.Short() {
		// As internal/testenv: the fast tier hashes at argon2id's lowest cost.
		st.PasswordCost = models.PasswordCost{Time: 1, MemoryKiB: 64}
	}
	return st
}

// indexNames lists the indexes created on tables (not the ones a primary
// key or unique constraint implies on SQLite), sorted.
func indexNames(t *testing.T, st *models.Store, tables ...string) []string {
	t.Helper()
	q := `SELECT indexname FROM pg_indexes WHERE tablename IN ? ORDER BY indexname`
	if st.Dialect != models.Postgres {
		q = `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ? AND sql IS NOT NULL ORDER BY name`
	}
	var names []string
	if err := st.DB.Raw(q, tables).Scan(&names).Error; err != nil {
		t.Fatal(err)
	}
	return names
}

func applied(t *testing.T, st *models.Store) []string {
	t.Helper()
	var ids []string
	if err := st.DB.Table("schema_migrations").Order("id").Pluck("id", &ids).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestMigrateTwiceIsANoOp(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := open(t, tg)
		ctx := context.Background()
		if err := migrations.Migrate(ctx, st.DB, st.Dialect); err != nil {
			t.Fatalf("first: %v", err)
		}
		first := applied(t, st)
		if len(first) != len(migrations.IDs()) {
			t.Fatalf("applied %v, known %v", first, migrations.IDs())
		}
		// Data written between runs survives a second run.
		if err := st.DB.Create(&models.Setting{Key: "probe", Value: "1"}).Error; err != nil {
			t.Fatal(err)
		}
		if err := migrations.Migrate(ctx, st.DB, st.Dialect); err != nil {
			t.Fatalf("second: %v", err)
		}
		if second := applied(t, st); len(second) != len(first) {
			t.Fatalf("second run changed the applied list: %v → %v", first, second)
		}
		var s models.Setting
		if err := st.DB.First(&s, "key = ?", "probe").Error; err != nil || s.Value != "1" {
			t.Fatalf("data lost by the second run: %v", err)
		}
		// A fresh process on the same database sees nothing to do either.
		st2 := open(t, tg)
		if err := migrations.Migrate(ctx, st2.DB, st2.Dialect); err != nil {
			t.Fatalf("third: %v", err)
		}
	})
}

// Two servers (or a command beside a server) starting at once on a fresh
// PostgreSQL database: the advisory lock makes one wait for the other.
func TestConcurrentMigrateOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: concurrency (instances migrating one PostgreSQL at once)")
	}
	tg := testdb.Postgres(t)
	const n = 3
	stores := make([]*models.Store, n)
	for i := range stores {
		stores[i] = open(t, tg)
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i, st := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = migrations.Migrate(context.Background(), st.DB, st.Dialect)
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrate %d: %v", i, err)
		}
	}
	if ids := applied(t, stores[0]); len(ids) != len(migrations.IDs()) {
		t.Fatalf("applied %v", ids)
	}
}

// TestReferenceVersionTriggers: every change to the tables intake caches
// bumps reference_version (migration 0005). A later migration that rebuilds
// one of these tables on SQLite drops its triggers; this test catches that.
func TestReferenceVersionTriggers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := open(t, tg)
		if err := migrations.Migrate(context.Background(), st.DB, st.Dialect); err != nil {
			t.Fatal(err)
		}
		version := func() int64 {
			var v int64
			if err := st.DB.Raw(`SELECT version FROM reference_version WHERE id = 1`).Scan(&v).Error; err != nil {
				t.Fatal(err)
			}
			return v
		}
		rows := map[string]any{
			"units":             &models.Unit{Code: "T", Name: "Thử", Kind: models.UnitDepartment, Active: true},
			"areas":             &models.Area{Code: "T", Name: "Thử"},
			"categories":        &models.Category{Code: "t", Name: "Thử", Active: true},
			"routing_rules":     &models.RoutingRule{Position: 1, Target: models.TargetCategoryUnit},
			"deadline_policies": &models.DeadlinePolicy{TriageDays: 5, AnswerDays: 20, ExtensionMaxDays: 10, InfoWaitDays: 15},
			"procedures":        &models.Procedure{Code: "1.001612", Name: "Thử", Active: true},
		}
		for table, row := range rows {
			for _, op := range []struct {
				name string
				do   func() error
			}{
				{"insert", func() error { return st.DB.Create(row).Error }},
				{"update", func() error { return st.DB.Exec("UPDATE " + table + " SET updated_at = updated_at").Error }},
				{"delete", func() error { return st.DB.Exec("DELETE FROM " + table).Error }},
			} {
				before := version()
				if err := op.do(); err != nil {
					t.Fatalf("%s %s: %v", op.name, table, err)
				}
				if after := version(); after <= before {
					t.Errorf("%s on %s left reference_version at %d", op.name, table, after)
				}
			}
		}
	})
}

// TestIntakeIndexes: after 0050 a submission's rows carry only the indexes
// queries use (see the migration), and the administrator's change history
// (petition_id IS NULL AND subject LIKE 'prefix%') can use its own.
func TestIntakeIndexes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := open(t, tg)
		if err := migrations.Migrate(context.Background(), st.DB, st.Dialect); err != nil {
			t.Fatal(err)
		}
		names := indexNames(t, st, "petitions", "events")
		has := map[string]bool{}
		for _, n := range names {
			has[n] = true
		}
		tests := []struct {
			index string
			want  bool
		}{
			{"idx_petitions_code", true},
			{"idx_petitions_unit_id", true},
			{"idx_petitions_status", true},
			{"idx_petitions_due_at", true},
			{"idx_petitions_open_due", true},
			{"idx_petitions_assignee_id", true},
			{"idx_petitions_entered_by_id", true},
			{"idx_events_petition_id", true},
			{"idx_events_subject", true},
			{"idx_petitions_petitioner_phone", false},
			{"idx_petitions_category_id", false},
			{"idx_petitions_area_id", false},
		}
		for _, tc := range tests {
			if has[tc.index] != tc.want {
				t.Errorf("index %s present: %v, want %v (all: %v)", tc.index, has[tc.index], tc.want, names)
			}
		}
		if st.Dialect != models.Postgres {
			return
		}
		// Partial indexes: a citizen's submission (no assignee, no clerk,
		// events of a petition) adds no entry to them.
		for _, idx := range []string{"idx_petitions_assignee_id", "idx_petitions_entered_by_id", "idx_events_subject"} {
			var def string
			st.DB.Raw(`SELECT indexdef FROM pg_indexes WHERE indexname = ?`, idx).Scan(&def)
			if !strings.Contains(def, "WHERE") {
				t.Errorf("%s is not partial: %s", idx, def)
			}
		}
		var plan []string
		err := st.DB.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`SET LOCAL enable_seqscan = off`).Error; err != nil {
				return err
			}
			return tx.Raw(`EXPLAIN SELECT * FROM events WHERE petition_id IS NULL AND subject LIKE 'unit:%' AND type <> 'signed_in'`).Scan(&plan).Error
		})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(plan, "\n"), "idx_events_subject") {
			t.Errorf("the change history cannot use idx_events_subject:\n%s", strings.Join(plan, "\n"))
		}
	})
}

// TestPublishedIndexes: after 0060 the listings of published items read an
// index in their order instead of sorting the table (SQLite plans; on
// PostgreSQL the planner chooses by statistics, so only the index set is
// checked there).
func TestPublishedIndexes(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := open(t, tg)
		if err := migrations.Migrate(context.Background(), st.DB, st.Dialect); err != nil {
			t.Fatal(err)
		}
		names := indexNames(t, st, "published_items")
		got := strings.Join(names, " ")
		for _, want := range []string{"idx_published_items_published", "idx_published_items_type_published"} {
			if !strings.Contains(" "+got+" ", " "+want+" ") {
				t.Errorf("index %s missing (all: %s)", want, got)
			}
		}
		for _, gone := range []string{"idx_published_items_withdrawn", "idx_published_items_published_at", "idx_published_items_type"} {
			if strings.Contains(" "+got+" ", " "+gone+" ") {
				t.Errorf("index %s still there (all: %s)", gone, got)
			}
		}
		if st.Dialect == models.Postgres {
			return
		}
		for _, tc := range []struct{ query, uses string }{
			// Listing every item for a rebuild, by keyset (gorm's FindInBatches).
			{`SELECT * FROM published_items WHERE withdrawn = false AND id > 'faq-1' ORDER BY id LIMIT 1000`, "sqlite_autoindex_published_items_1"},
			// The home page's newest answers and the feed's newest items.
			{`SELECT * FROM published_items WHERE withdrawn = false AND type = 'answer' ORDER BY published_at DESC, id DESC LIMIT 5`, "idx_published_items_type_published"},
			{`SELECT * FROM published_items WHERE withdrawn = false ORDER BY published_at DESC, id DESC LIMIT 50`, "idx_published_items_published"},
		} {
			var plan []struct {
				Detail string
			}
			if err := st.DB.Raw("EXPLAIN QUERY PLAN " + tc.query).Scan(&plan).Error; err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, p := range plan {
				lines = append(lines, p.Detail)
			}
			all := strings.Join(lines, "\n")
			if !strings.Contains(all, tc.uses) || strings.Contains(all, "TEMP B-TREE") {
				t.Errorf("%s:\n%s\nwant %s without a sort", tc.query, all, tc.uses)
			}
		}
	})
}
