package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"pakn/app"
	"pakn/internal/loadtest"
	"pakn/internal/testdb"
	"pakn/models"
)

// useTarget points the command's environment at a test database.
func useTarget(t *testing.T, tg testdb.Target) {
	t.Setenv("PAKN_DATA_DIR", tg.DataDir)
	t.Setenv("PAKN_DATABASE_URL", tg.URL)
	t.Setenv("PAKN_SECRET", "test-secret-0123456789abcdef-0123")
	t.Setenv("PAKN_LOG_LEVEL", "error")
}

// seedDemoOnly loads the demo officials and reference data without the
// demo year: "serve --demo" loads the year only into an empty database,
// and the tests that need a demo server but not the year (shutdown,
// backup) need not pay for it, which under the race detector is long.
func seedDemoOnly(t *testing.T) {
	t.Helper()
	if out, err := runCmd(t, "", "seed-demo"); err != nil {
		t.Fatalf("seed-demo: %v\n%s", err, out)
	}
}

func runCmd(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out)
	return out.String(), err
}

func openTarget(t *testing.T, tg testdb.Target) *models.Store {
	t.Helper()
	st, err := models.Open(context.Background(), models.OpenOptions{URL: tg.URL, DataDir: tg.DataDir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestCommands(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		useTarget(t, tg)
		out, err := runCmd(t, "", "migrate")
		if err != nil || !strings.Contains(out, "migrations applied") {
			t.Fatalf("migrate: %v %q", err, out)
		}
		if _, err := runCmd(t, "", "migrate"); err != nil {
			t.Fatalf("migrate again: %v", err)
		}

		counts := func() [4]int64 {
			st := openTarget(t, tg)
			defer st.Close()
			var c [4]int64
			st.DB.Model(&models.Unit{}).Count(&c[0])
			st.DB.Model(&models.User{}).Count(&c[1])
			st.DB.Model(&models.RoutingRule{}).Count(&c[2])
			st.DB.Model(&models.Holiday{}).Count(&c[3])
			return c
		}
		out, err = runCmd(t, "", "seed-demo")
		if err != nil || !strings.Contains(out, "DEMO ONLY") || !strings.Contains(out, "coordinator@demo.pakn.vn") {
			t.Fatalf("seed-demo: %v %q", err, out)
		}
		first := counts()
		if first[0] < 30 || first[1] != int64(len(models.DemoUsers())) || first[2] != 4 || first[3] < 30 {
			t.Fatalf("seeded units, users, rules, holidays: %v", first)
		}
		if _, err := runCmd(t, "", "seed-demo"); err != nil {
			t.Fatalf("seed-demo again: %v", err)
		}
		if second := counts(); second != first {
			t.Fatalf("seed-demo is not idempotent: %v then %v", first, second)
		}

		out, err = runCmd(t, "mật-khẩu-đủ-dài-2026\n", "user", "create", "--email", "Thu.Ky@LongAn.gov.vn", "--name", "Trần Thư Ký", "--role", "officer", "--unit", "stp")
		if err != nil || !strings.Contains(out, "created thu.ky@longan.gov.vn (officer)") {
			t.Fatalf("user create: %v %q", err, out)
		}
		st := openTarget(t, tg)
		var u models.User
		if err := st.DB.Preload("Unit").Where("email = ?", "thu.ky@longan.gov.vn").First(&u).Error; err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$") || !models.CheckPassword(u.PasswordHash, "mật-khẩu-đủ-dài-2026") ||
			models.CheckPassword(u.PasswordHash, "wrong") || u.Unit == nil || u.Unit.Code != "STP" {
			t.Fatalf("stored user %+v", u)
		}
		if _, err := st.Authenticate(context.Background(), "thu.ky@longan.gov.vn", "mật-khẩu-đủ-dài-2026"); err != nil {
			t.Fatalf("sign in with the new account: %v", err)
		}
		st.Close()

		bad := []struct {
			name, stdin string
			args        []string
			want        string
		}{
			{"bad role", "a-long-password\n", []string{"--email", "x@example.vn", "--name", "X", "--role", "boss"}, "role: must be one of"},
			{"short password", "short\n", []string{"--email", "y@example.vn", "--name", "Y", "--role", "admin"}, "password: too short"},
			{"unknown unit", "a-long-password\n", []string{"--email", "z@example.vn", "--name", "Z", "--role", "leader", "--unit", "NOPE"}, "unit: no such unit"},
			{"taken e-mail", "a-long-password\n", []string{"--email", "thu.ky@longan.gov.vn", "--name", "T", "--role", "clerk"}, "email: already exists"},
			{"bad e-mail", "a-long-password\n", []string{"--email", "not-an-address", "--name", "T", "--role", "clerk"}, "email: not a valid"},
		}
		for _, b := range bad {
			_, err := runCmd(t, b.stdin, append([]string{"user", "create"}, b.args...)...)
			if err == nil || !strings.Contains(err.Error(), b.want) {
				t.Errorf("%s: got %v, want %q", b.name, err, b.want)
			}
		}
		if _, err := runCmd(t, "", "user", "delete"); err == nil {
			t.Errorf("user delete: no error")
		}
		if _, err := runCmd(t, "", "no-such-command"); err == nil {
			t.Errorf("unknown command: no error")
		}
	})
}

func TestLoadConfig(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := loadConfig(env())
	if err != nil {
		t.Fatal(err)
	}
	if c.DataDir != "./data" || c.Addr != ":8080" || c.BaseURL != "http://localhost:8080" || !c.Scheduler ||
		c.SubmitLimit != (app.Rate{N: 10, Per: time.Minute}) || c.LookupLimit != (app.Rate{N: 60, Per: time.Minute}) ||
		c.DatabaseURL != "" || len(c.TrustedProxies) != 0 || c.MaxInFlight != 256 || c.MetricsToken != "" || c.SearchBleveOnly || c.DeskMaxAgeDays != 60 {
		t.Fatalf("defaults: %+v", c)
	}
	c, err = loadConfig(env(
		"PAKN_SUBMIT_LIMIT", "100/h", "PAKN_LOOKUP_LIMIT", "0", "PAKN_SCHEDULER", "off",
		"PAKN_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.1", "PAKN_FRAME_ANCESTORS", "https://dichvucong.gov.vn",
		"PAKN_DATABASE_URL", "postgres://u@db/pakn", "PAKN_SECRET", "a-shared-secret-of-some-length-0123",
		"PAKN_BASE_URL", "https://pakn.longan.gov.vn/", "PAKN_LOG_LEVEL", "debug", "PAKN_LOG_FORMAT", "json",
		"PAKN_MAX_IN_FLIGHT", "64", "PAKN_METRICS_TOKEN", "scrape-me", "PAKN_SEARCH_EXECUTOR", "off",
	))
	if err != nil {
		t.Fatal(err)
	}
	if c.SubmitLimit != (app.Rate{N: 100, Per: time.Hour}) || !c.LookupLimit.Off() || c.Scheduler ||
		strings.Join(c.TrustedProxies, "|") != "10.0.0.0/8|192.168.1.1" || c.FrameAncestors[0] != "https://dichvucong.gov.vn" ||
		c.BaseURL != "https://pakn.longan.gov.vn" || c.LogFormat != "json" || c.LogLevel.String() != "DEBUG" ||
		c.MaxInFlight != 64 || c.MetricsToken != "scrape-me" || !c.SearchBleveOnly {
		t.Fatalf("parsed: %+v", c)
	}
	bad := []struct {
		name string
		env  []string
		want string
	}{
		{"PostgreSQL without a secret", []string{"PAKN_DATABASE_URL", "postgres://u@db/pakn"}, "PAKN_SECRET is required"},
		{"bad submit limit", []string{"PAKN_SUBMIT_LIMIT", "ten/min"}, "PAKN_SUBMIT_LIMIT"},
		{"bad limit unit", []string{"PAKN_LOOKUP_LIMIT", "10/day"}, "PAKN_LOOKUP_LIMIT"},
		{"bad proxy", []string{"PAKN_TRUSTED_PROXIES", "10.0.0.0/8,proxy.local"}, "PAKN_TRUSTED_PROXIES"},
		{"bad scheduler", []string{"PAKN_SCHEDULER", "sometimes"}, "PAKN_SCHEDULER"},
		{"bad log level", []string{"PAKN_LOG_LEVEL", "loud"}, "PAKN_LOG_LEVEL"},
		{"bad desk age", []string{"PAKN_DESK_MAX_AGE_DAYS", "-1"}, "PAKN_DESK_MAX_AGE_DAYS"},
		{"weak secret", []string{"PAKN_SECRET", "aaaaaaaaaaaaaaaa"}, "PAKN_SECRET"},
		{"bad in-flight bound", []string{"PAKN_MAX_IN_FLIGHT", "-1"}, "PAKN_MAX_IN_FLIGHT"},
		{"bad executor switch", []string{"PAKN_SEARCH_EXECUTOR", "maybe"}, "PAKN_SEARCH_EXECUTOR"},
	}
	for _, b := range bad {
		if _, err := loadConfig(env(b.env...)); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: got %v, want %q", b.name, err, b.want)
		}
	}
	// Every problem is reported at once.
	_, err = loadConfig(env("PAKN_SUBMIT_LIMIT", "x", "PAKN_LOOKUP_LIMIT", "y"))
	if err == nil || !strings.Contains(err.Error(), "PAKN_SUBMIT_LIMIT") || !strings.Contains(err.Error(), "PAKN_LOOKUP_LIMIT") {
		t.Errorf("joined errors: %v", err)
	}
}

func TestSecretGeneratedOnceWithSQLite(t *testing.T) {
	c := config{DataDir: t.TempDir()}
	a, err := c.secret()
	if err != nil || len(a) < 32 {
		t.Fatalf("%q %v", a, err)
	}
	b, err := c.secret()
	if err != nil || string(a) != string(b) {
		t.Fatalf("second read %q != %q (%v)", b, a, err)
	}
	if _, err := (config{Secret: "aaaaaaaaaaaaaaaa"}).secret(); err == nil {
		t.Fatal("a short PAKN_SECRET is accepted")
	}
}

// TestGracefulShutdown: a request in flight when the server is told to stop
// (SIGTERM cancels run's context) still gets its answer, and a petition it
// carried is committed.
func TestGracefulShutdown(t *testing.T) {
	tg := testdb.SQLite(t)
	useTarget(t, tg)
	t.Setenv("PAKN_DATABASE_URL", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	seedDemoOnly(t)
	addr, done, out := startServe(t, ctx, "--demo")

	// Start a submission and send only half of its body.
	body := `{"kind":"recommendation","title":"Đề nghị kéo dài giờ làm việc bộ phận một cửa",` +
		`"content":"Đề nghị bộ phận một cửa huyện làm việc cả sáng thứ Bảy để người lao động đến nộp hồ sơ.",` +
		`"category":"khac","petitioner":{"name":"Đặng Văn Hùng","phone":"0909000111","address":"Thủ Thừa"}}`
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	half := len(body) / 2
	fmt.Fprintf(conn, "POST /api/v1/petitions HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:half])
	time.Sleep(200 * time.Millisecond)

	cancel() // what SIGTERM does in main
	// The listener closes: new connections are refused.
	refused := false
	for range 50 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			refused = true
			break
		}
		c.Close()
		time.Sleep(20 * time.Millisecond)
	}
	if !refused {
		t.Errorf("the server still accepts connections after shutdown began")
	}
	select {
	case err := <-done:
		t.Fatalf("serve returned with a request in flight: %v", err)
	default:
	}

	if _, err := io.WriteString(conn, body[half:]); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request lost: %v", err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(answer), `"code":"PAKN-`) {
		t.Fatalf("in-flight request: %d %s", resp.StatusCode, answer)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("serve did not return after the in-flight request finished")
	}
	st := openTarget(t, tg)
	var n int64
	st.DB.Model(&models.Petition{}).Count(&n)
	if n != 1 {
		t.Fatalf("%d petitions committed, want 1", n)
	}
	if !strings.Contains(out.String(), "PAKN is running at http://"+addr) {
		t.Errorf("start-up message: %q", out.String())
	}
}

func TestProcedureImportCommand(t *testing.T) {
	testdb.Each(t, func(t *testing.T, tg testdb.Target) {
		useTarget(t, tg)
		if _, err := runCmd(t, "", "migrate"); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		file := filepath.Join(dir, "thu-tuc.csv")
		csv := "Mã thủ tục,Tên thủ tục,Đơn vị,Lĩnh vực\n1.000201,Thủ tục một,,\n1.000202,Thủ tục hai,,\n1.2,Mã sai,,\n"
		if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := runCmd(t, "", "procedures", "import", file)
		if err != nil || !strings.Contains(out, "3 rows: 2 created, 0 updated, 0 unchanged, 1 skipped") ||
			!strings.Contains(out, "skipped line 4 (id 1.2): code:") || !strings.Contains(out, "import") || !strings.Contains(out, "3/3") {
			t.Fatalf("procedures import: %v\n%s", err, out)
		}
		out, err = runCmd(t, "", "procedures", "import", file, "--quiet")
		if err != nil || !strings.Contains(out, "0 created, 0 updated, 2 unchanged") || strings.Contains(out, "3/3") {
			t.Fatalf("procedures import again: %v\n%s", err, out)
		}
		if _, err := runCmd(t, "", "procedures", "import", filepath.Join(dir, "x.txt")); err == nil || !strings.Contains(err.Error(), "want a .xlsx or .csv") {
			t.Fatalf("a .txt file: %v", err)
		}
		st := openTarget(t, tg)
		var n int64
		st.DB.Model(&models.Procedure{}).Where("code IN ?", []string{"1.000201", "1.000202"}).Count(&n)
		if n != 2 {
			t.Fatalf("%d procedures stored", n)
		}
	})
}

// startServe runs `pakn serve ARGS` with the test's environment on a free
// loopback port until ctx ends, and waits until /readyz answers 200.
func startServe(t *testing.T, ctx context.Context, args ...string) (addr string, done chan error, out *loadtest.SyncBuffer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	t.Setenv("PAKN_ADDR", addr)
	t.Setenv("PAKN_BASE_URL", "http://"+addr)
	out = &loadtest.SyncBuffer{}
	done = make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"serve"}, args...), strings.NewReader(""), out) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return addr, done, out
			}
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
