package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"pakn/internal/testdb"
	"pakn/internal/testenv"
	"pakn/jobs/delivery"
	"pakn/models"
)

// fakePortal behaves like the national portal: it answers as told and
// dedupes accepted POSTs by Idempotency-Key, as the real one does.
type fakePortal struct {
	mu       sync.Mutex
	mode     string                    // ok, 500, 429, 400, slow
	received map[string]int            // requests per Idempotency-Key
	accepted map[string]map[string]any // effective deliveries by key
	deletes  map[string]int
	auth     []string
}

func newFakePortal(t *testing.T) (*fakePortal, *httptest.Server) {
	fp := &fakePortal{mode: "ok", received: map[string]int{}, accepted: map[string]map[string]any{}, deletes: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(fp.serve))
	t.Cleanup(srv.Close)
	return fp, srv
}

func (fp *fakePortal) setMode(m string) { fp.mu.Lock(); fp.mode = m; fp.mu.Unlock() }

func (fp *fakePortal) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	fp.mu.Lock()
	mode := fp.mode
	fp.auth = append(fp.auth, r.Header.Get("Authorization"))
	key := r.Header.Get("Idempotency-Key")
	if r.Method == http.MethodPost {
		fp.received[key]++
	}
	fp.mu.Unlock()
	switch mode {
	case "500":
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	case "429":
		w.Header().Set("Retry-After", "600")
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	case "400":
		http.Error(w, `{"error":"question too short"}`, http.StatusBadRequest)
		return
	case "slow":
		select {
		case <-r.Context().Done():
		case <-time.After(2 * time.Second):
		}
		return
	}
	fp.mu.Lock()
	defer fp.mu.Unlock()
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/answers":
		if _, dup := fp.accepted[key]; !dup {
			var v map[string]any
			_ = json.Unmarshal(body, &v)
			fp.accepted[key] = v
		}
		w.WriteHeader(http.StatusCreated)
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/answers/"):
		fp.deletes[strings.TrimPrefix(r.URL.Path, "/answers/")]++
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

func (fp *fakePortal) counts(key string) (received, effective int) {
	fp.mu.Lock()
	defer fp.mu.Unlock()
	_, ok := fp.accepted[key]
	if ok {
		effective = 1
	}
	return fp.received[key], effective
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func publish(t *testing.T, st *models.Store, id string, now time.Time) {
	t.Helper()
	err := st.Tx(context.Background(), func(tx *gorm.DB) error {
		_, err := models.PublishItemTx(tx, models.PublishedItem{
			ID: id, Type: models.ItemFAQ, Title: "Câu hỏi " + id,
			Question: "Thủ tục cấp giấy chứng nhận quyền sử dụng đất lần đầu cần những gì?",
			Answer:   "Nộp hồ sơ tại Bộ phận một cửa cấp huyện.", CategoryCode: "dat-dai", UnitCode: "STNMT",
		}, now)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func withdraw(t *testing.T, st *models.Store, id string, now time.Time) {
	t.Helper()
	if err := st.Tx(context.Background(), func(tx *gorm.DB) error { return models.WithdrawItemTx(tx, id, now) }); err != nil {
		t.Fatal(err)
	}
}

func outboxRow(t *testing.T, st *models.Store, key string) models.OutboxMessage {
	t.Helper()
	var m models.OutboxMessage
	if err := st.DB.Where("dedupe_key = ?", key).First(&m).Error; err != nil {
		t.Fatalf("outbox row %s: %v", key, err)
	}
	return m
}

func TestRunPortal(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		st := testenv.Open(t, tg)
		fp, srv := newFakePortal(t)
		client := &http.Client{Timeout: 300 * time.Millisecond}
		portal, err := delivery.NewPortal(srv.URL, "tok-123", client)
		if err != nil {
			t.Fatal(err)
		}
		d := PortalDeps{Store: st, Portal: portal, BaseURL: "https://pakn.example.vn", Log: quiet(),
			BackoffBase: time.Minute, BackoffMax: time.Hour, Lease: 2 * time.Minute, MaxAttempts: 5}
		t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

		// 500, then a timeout, then 429 with Retry-After, then accepted.
		publish(t, st, "faq-1", t0)
		fp.setMode("500")
		s, err := RunPortal(ctx, d, t0)
		if err != nil || s.Retried != 1 {
			t.Fatalf("500: stats %v err %v", s, err)
		}
		m := outboxRow(t, st, "portal:faq-1:1")
		if m.Status != models.OutboxPending || m.Attempts != 1 || !m.NextAttemptAt.After(t0) || !strings.Contains(m.LastError, "500") {
			t.Fatalf("after 500: %+v", m)
		}
		if s, _ := RunPortal(ctx, d, t0.Add(time.Second)); s != (PortalStats{}) {
			t.Fatalf("row not yet due was tried: %v", s)
		}
		fp.setMode("slow")
		t1 := t0.Add(time.Hour)
		if s, err := RunPortal(ctx, d, t1); err != nil || s.Retried != 1 {
			t.Fatalf("timeout: %v %v", s, err)
		}
		fp.setMode("429")
		t2 := t1.Add(2 * time.Hour)
		if s, err := RunPortal(ctx, d, t2); err != nil || s.Retried != 1 {
			t.Fatalf("429: %v %v", s, err)
		}
		m = outboxRow(t, st, "portal:faq-1:1")
		if m.NextAttemptAt.Before(t2.Add(600 * time.Second)) {
			t.Fatalf("429 Retry-After ignored: next %v", m.NextAttemptAt)
		}
		fp.setMode("ok")
		t3 := t2.Add(24 * time.Hour)
		if s, err := RunPortal(ctx, d, t3); err != nil || s.Sent != 1 {
			t.Fatalf("accept: %v %v", s, err)
		}
		m = outboxRow(t, st, "portal:faq-1:1")
		if m.Status != models.OutboxSent || m.SentAt == nil || m.Attempts != 4 {
			t.Fatalf("after accept: %+v", m)
		}
		if got, eff := fp.counts("faq-1-1"); got != 4 || eff != 1 {
			t.Fatalf("faq-1-1: %d requests, %d effective; want 4 and 1", got, eff)
		}
		p := fp.accepted["faq-1-1"]
		if p["url"] != "https://pakn.example.vn/qa/faq-1" || p["type"] != "faq" || p["version"] != float64(1) || p["category"] != "dat-dai" {
			t.Fatalf("payload: %v", p)
		}
		if fp.auth[0] != "Bearer tok-123" {
			t.Fatalf("authorization %q", fp.auth[0])
		}

		// A permanent 400 is failed at once and listed for the administrator.
		publish(t, st, "faq-2", t3)
		fp.setMode("400")
		if s, err := RunPortal(ctx, d, t3); err != nil || s.Failed != 1 {
			t.Fatalf("400: %v %v", s, err)
		}
		m = outboxRow(t, st, "portal:faq-2:1")
		if m.Status != models.OutboxFailed || !strings.Contains(m.LastError, "400") {
			t.Fatalf("after 400: %+v", m)
		}
		list, err := st.ListOutbox(ctx, models.OutboxFilter{Channel: models.OutboxPortal})
		if err != nil || list.Total != 1 || list.Rows[0].ID != m.ID {
			t.Fatalf("outbox list: %+v %v", list, err)
		}
		// The administrator's retry puts it back; the portal now accepts.
		st.Now = func() time.Time { return t3 }
		if err := st.RetryOutbox(ctx, m.ID, models.Viewer{ID: 0, Name: "admin"}); err != nil {
			t.Fatal(err)
		}
		fp.setMode("ok")
		if s, err := RunPortal(ctx, d, t3.Add(time.Minute)); err != nil || s.Sent != 1 {
			t.Fatalf("after retry: %v %v", s, err)
		}

		// Withdrawal sends DELETE.
		withdraw(t, st, "faq-1", t3)
		if s, err := RunPortal(ctx, d, t3.Add(time.Minute)); err != nil || s.Sent != 1 {
			t.Fatalf("withdraw: %v %v", s, err)
		}
		if fp.deletes["faq-1"] != 1 {
			t.Fatalf("DELETE not sent: %v", fp.deletes)
		}

		// Two versions queued before a run: only the current one is pushed.
		publish(t, st, "faq-3", t3)
		publish(t, st, "faq-3", t3)
		if s, err := RunPortal(ctx, d, t3.Add(time.Minute)); err != nil || s.Sent != 1 || s.Skipped != 1 {
			t.Fatalf("superseded: %v %v", s, err)
		}
		if got, _ := fp.counts("faq-3-1"); got != 0 {
			t.Fatalf("stale version pushed")
		}
		if _, eff := fp.counts("faq-3-2"); eff != 1 {
			t.Fatalf("current version not pushed")
		}

		// Too many retryable failures end as failed.
		publish(t, st, "faq-5", t3)
		fp.setMode("500")
		at := t3.Add(time.Minute)
		for i := 0; i < 5; i++ {
			if _, err := RunPortal(ctx, d, at); err != nil {
				t.Fatal(err)
			}
			at = at.Add(2 * time.Hour)
		}
		if m := outboxRow(t, st, "portal:faq-5:1"); m.Status != models.OutboxFailed || m.Attempts != 5 {
			t.Fatalf("after max attempts: %+v", m)
		}
	})
}

// A crash after the portal accepted and before we recorded it: the row is
// sent again after the lease with the same Idempotency-Key, and the portal
// counts one delivery.
func TestRunPortalCrashResendsSameKey(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		st := testenv.Open(t, tg)
		fp, srv := newFakePortal(t)
		portal, _ := delivery.NewPortal(srv.URL, "", nil)
		t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
		publish(t, st, "faq-4", t0)
		crash := errors.New("simulated crash")
		d := PortalDeps{Store: st, Portal: portal, BaseURL: "http://x", Log: quiet(), Lease: 2 * time.Minute,
			afterSend: func(models.PortalRow) error { return crash }}
		if _, err := RunPortal(ctx, d, t0); !errors.Is(err, crash) {
			t.Fatalf("want the crash, got %v", err)
		}
		if m := outboxRow(t, st, "portal:faq-4:1"); m.Status != models.OutboxPending {
			t.Fatalf("row after crash: %+v", m)
		}
		d.afterSend = nil
		// Within the lease nobody takes it (another instance would not either).
		if s, _ := RunPortal(ctx, d, t0.Add(time.Minute)); s.Sent != 0 {
			t.Fatalf("claimed row sent again within its lease")
		}
		if s, err := RunPortal(ctx, d, t0.Add(3*time.Minute)); err != nil || s.Sent != 1 {
			t.Fatalf("resend: %v %v", s, err)
		}
		if got, eff := fp.counts("faq-4-1"); got != 2 || eff != 1 {
			t.Fatalf("faq-4-1: %d requests, %d effective; want 2 and 1", got, eff)
		}
	})
}

// Several runs at once (several instances) never send one row twice.
func TestRunPortalConcurrentClaims(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: concurrency (several portal runs at once; run it with -race)")
	}
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		ctx := context.Background()
		st := testenv.Open(t, tg)
		fp, srv := newFakePortal(t)
		portal, _ := delivery.NewPortal(srv.URL, "", nil)
		t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
		const n = 40
		for i := 0; i < n; i++ {
			publish(t, st, fmt.Sprintf("faq-%d", 100+i), t0)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for w := 0; w < 4; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := RunPortal(ctx, PortalDeps{Store: st, Portal: portal, BaseURL: "http://x", Batch: 3, Log: quiet()}, t0)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				total += s.Sent
				mu.Unlock()
			}()
		}
		wg.Wait()
		if total != n {
			t.Fatalf("sent %d, want %d", total, n)
		}
		for i := 0; i < n; i++ {
			if got, _ := fp.counts(fmt.Sprintf("faq-%d-1", 100+i)); got != 1 {
				t.Fatalf("faq-%d received %d times", 100+i, got)
			}
		}
	})
}

func TestRunPortalUnconfigured(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		st := testenv.Open(t, tg)
		t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
		publish(t, st, "faq-9", t0)
		s, err := RunPortal(context.Background(), PortalDeps{Store: st, Log: quiet()}, t0)
		if err != nil || s.Undeliverable != 1 {
			t.Fatalf("%v %v", s, err)
		}
		if m := outboxRow(t, st, "portal:faq-9:1"); m.Status != models.OutboxUndeliverable {
			t.Fatalf("%+v", m)
		}
	})
}
