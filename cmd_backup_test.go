package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"pakn/internal/testdb"
	"pakn/models"
)

// ack is a petition the server acknowledged with 201.
type ack struct{ code, secret string }

// TestBackupUnderLoad: a backup taken while citizens keep submitting holds
// every petition acknowledged before it began, each with its audit events
// and receipt notice (a snapshot, never half a transaction); the copy is
// served as it is, with the secret carried over and the index rebuilt.
func TestBackupUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: load test (backs up while citizens keep submitting)")
	}
	tg := testdb.SQLite(t)
	useTarget(t, tg)
	t.Setenv("PAKN_DATABASE_URL", "")
	t.Setenv("PAKN_SECRET", "") // generated into the data folder: the backup must carry it
	t.Setenv("PAKN_SUBMIT_LIMIT", "0")
	t.Setenv("PAKN_SCHEDULER", "off")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seedDemoOnly(t)
	addr, done, out := startServe(t, ctx, "--demo")

	var (
		mu     sync.Mutex
		acked  []ack
		failed []string
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				a, err := submitPetition(addr, fmt.Sprintf("Đề nghị số %d-%d sửa đường liên ấp", w, i))
				mu.Lock()
				if err != nil {
					failed = append(failed, err.Error())
				} else {
					acked = append(acked, a)
				}
				mu.Unlock()
			}
		}()
	}
	waitFor := func(n int) {
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			mu.Lock()
			got := len(acked)
			mu.Unlock()
			if got >= n {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("only %d petitions acknowledged", got)
			}
		}
	}
	waitFor(20)
	mu.Lock()
	before := append([]ack(nil), acked...)
	mu.Unlock()

	dir := filepath.Join(t.TempDir(), "backup")
	msg, err := runCmd(t, "", "backup", dir)
	if err != nil || !strings.Contains(msg, "PAKN_DATA_DIR="+dir+" pakn serve") {
		t.Fatalf("backup: %v %q", err, msg)
	}
	mu.Lock()
	atEnd := len(acked)
	mu.Unlock()
	waitFor(atEnd + 10) // the load goes on after the backup
	close(stop)
	wg.Wait()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v\n%s", err, out.String())
	}
	if len(failed) > 0 {
		t.Fatalf("%d submissions failed under load, first: %s", len(failed), failed[0])
	}
	if _, err := runCmd(t, "", "backup", dir); err == nil {
		t.Fatal("a second backup into the same folder overwrote the first")
	}

	orig, _ := os.ReadFile(filepath.Join(tg.DataDir, "secret"))
	copied, err := os.ReadFile(filepath.Join(dir, "secret"))
	if err != nil || len(orig) == 0 || !bytes.Equal(orig, copied) {
		t.Fatalf("secret not carried over: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "index")); !os.IsNotExist(err) {
		t.Fatalf("the backup holds a search index: %v", err)
	}

	// The copy is consistent: no petition without its received event and
	// its receipt notice, and not every later petition is in it.
	st, err := models.Open(context.Background(), models.OpenOptions{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var inCopy, halfDone int64
	st.DB.Model(&models.Petition{}).Count(&inCopy)
	st.DB.Raw(`SELECT count(*) FROM petitions p WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.petition_id = p.id AND e.type = 'received')
		OR NOT EXISTS (SELECT 1 FROM outbox_messages o WHERE o.petition_id = p.id)`).Scan(&halfDone)
	st.Close()
	if inCopy < int64(len(before)) || inCopy >= int64(len(acked)) || halfDone != 0 {
		t.Fatalf("copy holds %d petitions (%d without their events or notice); %d acknowledged before the backup, %d in all",
			inCopy, halfDone, len(before), len(acked))
	}

	t.Logf("%d petitions acknowledged before the backup, %d in the copy, %d in all", len(before), inCopy, len(acked))

	// The copy serves as it is: every petition acknowledged before the
	// backup began is there for its citizen.
	t.Setenv("PAKN_DATA_DIR", dir)
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	addr2, done2, out2 := startServe(t, ctx2)
	for _, a := range before {
		if code := trackStatus(t, addr2, a); code != http.StatusOK {
			t.Fatalf("restored copy: %s answers %d", a.code, code)
		}
	}
	resp, err := http.Get("http://" + addr2 + "/api/v1/search?q=" + "đăng+ký+thường+trú")
	if err != nil {
		t.Fatal(err)
	}
	var res struct{ Total int }
	_ = json.NewDecoder(resp.Body).Decode(&res)
	resp.Body.Close()
	if res.Total == 0 {
		t.Fatal("the restored copy's search index finds nothing")
	}
	if msg, err := runCmd(t, "", "healthcheck"); err != nil || !strings.Contains(msg, `"status":"ready"`) {
		t.Fatalf("healthcheck of a ready server: %v %q", err, msg)
	}
	cancel2()
	if err := <-done2; err != nil {
		t.Fatalf("serve the copy: %v\n%s", err, out2.String())
	}
	if _, err := runCmd(t, "", "healthcheck"); err == nil {
		t.Fatal("healthcheck of a stopped server succeeds")
	}
}

// TestBackupOnPostgres: PostgreSQL is backed up with pg_dump; the command
// says how and fails, so a cron job that calls it is not fooled.
func TestBackupOnPostgres(t *testing.T) {
	t.Setenv("PAKN_DATABASE_URL", "postgres://pakn@db.invalid/pakn")
	t.Setenv("PAKN_SECRET", "test-secret-0123456789abcdef-0123456789")
	t.Setenv("PAKN_DATA_DIR", t.TempDir())
	dir := filepath.Join(t.TempDir(), "b")
	out, err := runCmd(t, "", "backup", dir)
	if err == nil || !strings.Contains(out, "pg_dump --format=custom") || !strings.Contains(out, "pg_restore") {
		t.Fatalf("backup on PostgreSQL: %v %q", err, out)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("backup on PostgreSQL created %s", dir)
	}
	if _, err := runCmd(t, "", "backup"); err == nil {
		t.Fatal("backup without a folder: no error")
	}
}

func submitPetition(addr, title string) (ack, error) {
	body := fmt.Sprintf(`{"kind":"recommendation","title":%q,"content":"Đường liên ấp xuống cấp, đề nghị huyện sửa chữa trước mùa mưa.",`+
		`"category":"khac","petitioner":{"name":"Lê Thị Thu","phone":"0909000222","address":"Bến Lức"}}`, title)
	resp, err := http.Post("http://"+addr+"/api/v1/petitions", "application/json", strings.NewReader(body))
	if err != nil {
		return ack{}, err
	}
	defer resp.Body.Close()
	var a struct{ Code, Secret string }
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != http.StatusCreated || a.Code == "" {
		return ack{}, fmt.Errorf("submit: %d %v", resp.StatusCode, err)
	}
	return ack{a.Code, a.Secret}, nil
}

func trackStatus(t *testing.T, addr string, a ack) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/v1/petitions/"+a.code, nil)
	req.Header.Set("X-PAKN-Secret", a.secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestReadyzURL(t *testing.T) {
	for _, c := range []struct{ addr, want string }{
		{":8080", "http://127.0.0.1:8080/readyz"},
		{"0.0.0.0:9000", "http://127.0.0.1:9000/readyz"},
		{"[::]:8080", "http://127.0.0.1:8080/readyz"},
		{"127.0.0.1:8081", "http://127.0.0.1:8081/readyz"},
		{"[::1]:8080", "http://[::1]:8080/readyz"},
		{"10.0.0.5:80", "http://10.0.0.5:80/readyz"},
	} {
		if got, err := readyzURL(c.addr); err != nil || got != c.want {
			t.Errorf("readyzURL(%q) = %q, %v; want %q", c.addr, got, err, c.want)
		}
	}
	if _, err := readyzURL("8080"); err == nil {
		t.Error("readyzURL(8080): no error")
	}
}
