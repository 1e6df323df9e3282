package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pakn/models"
	"pakn/search"
	"pakn/search/searchrt"
)

// TestReindexWhileServing runs `pakn reindex` beside a running server's
// search runtime: the new index is built aside, handed over and adopted
// on the server's next poll, and the server keeps answering meanwhile.
func TestReindexWhileServing(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PAKN_DATA_DIR", dir)
	t.Setenv("PAKN_DATABASE_URL", "")
	t.Setenv("PAKN_SECRET", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, []string{"seed-demo"}, nil, &out); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rt, err := searchrt.Open(ctx, st, indexDir(cfg), nil, searchrt.Options{Interval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer rt.Close()
	go rt.Run(ctx)
	waitFor(t, func() bool { lag, err := rt.Lag(ctx); return err == nil && lag == 0 })
	before, _ := rt.Index.DocCount()

	// A change the running server has not seen when reindex starts.
	if _, err := st.CreateFAQ(ctx, models.Viewer{Role: models.RoleAdmin, Name: "t"}, models.FAQInput{
		Ref: "r-1", Category: "thue", Unit: "CT", Question: "Quyết toán thuế thu nhập cá nhân online?", Answer: "Trên eTax Mobile.", Publish: true}); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(ctx, []string{"reindex", "--quiet"}, nil, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "running server swaps") {
		t.Fatalf("reindex output: %s", out.String())
	}
	waitFor(t, func() bool {
		_, err := os.Stat(filepath.Join(dir, "index.pending.ready"))
		return os.IsNotExist(err)
	})
	waitFor(t, func() bool { n, _ := rt.Index.DocCount(); return n == before+1 })
	res, err := rt.Index.Search(ctx, searchQuery("quyet toan thue online"))
	if err != nil || len(res.Hits) == 0 || res.Hits[0].Ref != "r-1" {
		t.Fatalf("after swap: %+v %v", res.Hits, err)
	}
	// Without a server, reindex swaps the folder itself.
	cancel()
	rt.Close()
	out.Reset()
	if err := run(context.Background(), []string{"reindex", "--quiet"}, nil, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "into "+indexDir(cfg)) {
		t.Fatalf("reindex output: %s", out.String())
	}

	// An index that cannot be opened is rebuilt from the database.
	if err := os.WriteFile(filepath.Join(indexDir(cfg), "index_meta.json"), []byte("{broken"), 0o644); err != nil {
		t.Fatal(err)
	}
	rt2, err := searchrt.Open(context.Background(), st, indexDir(cfg), nil, searchrt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rt2.Close()
	if !rt2.Building() {
		t.Fatal("a broken index should be rebuilt")
	}
	if err := rt2.BuildIfNeeded(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n, _ := rt2.Index.DocCount(); n != before+1 {
		t.Errorf("rebuilt index has %d items, want %d", n, before+1)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func searchQuery(text string) search.Query { return search.Query{Text: text, PerPage: 5} }
