// Command multinstance runs two PAKN instances on one PostgreSQL database
// behind a real nginx and checks that they behave as one service (issue
// 22): a session made through one works through the other; one submission
// limit across both; both schedulers run but each portal push happens once;
// a published entry is searchable through both within 5 s; SIGKILL of one
// instance under light load loses no public read and no acknowledged
// petition; a rolling restart of each instance in turn fails no request.
// With -load it then runs the mixed load test (submit, track, search, admin
// pages) through the proxy.
//
//	go run ./cmd/multinstance                   # the checks (.ci/run)
//	go run ./cmd/multinstance -load 60s -c 64   # and the load test
//
// It needs nginx (Debian's nginx-light) and a PostgreSQL server where the
// user may create databases (-admin-url, default $PAKN_TEST_DATABASE_URL).
// Everything listens on 127.0.0.1; every wait is bounded.
package main

import (
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"pakn/internal/loadtest"
)

func main() {
	var o options
	flag.StringVar(&o.AdminURL, "admin-url", envOr("PAKN_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"),
		"PostgreSQL URL with the right to create databases")
	flag.StringVar(&o.Bin, "bin", "", "pakn binary (default: build one)")
	flag.DurationVar(&o.Load, "load", 0, "then run the mixed load test this long (0: skip)")
	flag.IntVar(&o.C, "c", 64, "load test connections")
	flag.BoolVar(&o.Quick, "quick", false, "skip the portal check (which waits for the portal job's minute)")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "multinstance: FAILED:", err)
		os.Exit(1)
	}
	fmt.Println("multinstance: every check passed")
}

type options struct {
	AdminURL, Bin string
	Load          time.Duration
	C             int
	Quick         bool
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// cluster is nginx in front of two instances.
type cluster struct {
	work, bin, dbURL, proxy string
	env                     []string
	inst                    [2]*instance
	nginx                   *exec.Cmd
	db                      *sql.DB
}

type instance struct {
	name, addr string
	cmd        *exec.Cmd
	log        *loadtest.SyncBuffer
	exited     chan struct{}
}

func run(o options) error {
	start := time.Now()
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		nginx = "/usr/sbin/nginx"
		if _, err := os.Stat(nginx); err != nil {
			return errors.New("nginx is not installed (apt-get install nginx-light)")
		}
	}
	work, err := os.MkdirTemp("", "pakn-multi-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	c := &cluster{work: work, bin: o.Bin}
	if c.bin == "" {
		c.bin = filepath.Join(work, "pakn")
		fmt.Println("building pakn …")
		cmd := exec.Command("go", "build", "-o", c.bin, ".")
		cmd.Dir = loadtest.ModuleRoot()
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build: %w", err)
		}
	}
	var drop func()
	if c.dbURL, drop, err = loadtest.FreshDatabase(o.AdminURL, "pakn_multi"); err != nil {
		return err
	}
	defer drop()
	if c.db, err = sql.Open("pgx", c.dbURL); err != nil {
		return err
	}
	defer c.db.Close()

	portal := newPortal()
	defer portal.Close()
	c.env = append(os.Environ(),
		"PAKN_DATABASE_URL="+c.dbURL, "PAKN_SECRET=multi-instance-secret-0123456789abcdef",
		"PAKN_SUBMIT_LIMIT=5/min", "PAKN_LOOKUP_LIMIT=100000/min", "PAKN_TRUSTED_PROXIES=127.0.0.1",
		"PAKN_SCHEDULER=on", "PAKN_PORTAL_URL="+portal.URL, "PAKN_PORTAL_TOKEN=portal-token",
		"PAKN_METRICS_TOKEN=metrics-token", "PAKN_LOG_LEVEL=warn",
	)
	if out, err := c.pakn("seed-demo"); err != nil {
		return fmt.Errorf("seed-demo: %w\n%s", err, out)
	}
	for i := range c.inst {
		addr, err := loadtest.FreeAddr()
		if err != nil {
			return err
		}
		c.inst[i] = &instance{name: string(rune('A' + i)), addr: addr}
	}
	if c.proxy, err = loadtest.FreeAddr(); err != nil {
		return err
	}
	if err := c.startNginx(nginx); err != nil {
		return err
	}
	defer c.stopAll()
	for _, in := range c.inst {
		if err := c.start(in); err != nil {
			return err
		}
	}
	fmt.Printf("nginx on %s in front of A %s and B %s (ready in %s)\n", c.proxy, c.inst[0].addr, c.inst[1].addr, time.Since(start).Round(time.Millisecond))

	checks := []struct {
		name string
		fn   func() error
	}{
		{"a session made through A works through B", c.checkSession},
		{"one submission limit across both", c.checkLimit},
		{"a published entry searchable through both within 5 s", c.checkSearch},
		{"both schedulers run, each portal push once", func() error { return c.checkPortalOnce(portal) }},
		{"SIGKILL of B and a rolling restart under light load", c.checkFailover},
	}
	for _, ch := range checks {
		if o.Quick && strings.Contains(ch.name, "portal") {
			continue
		}
		t0 := time.Now()
		if err := ch.fn(); err != nil {
			nlog := nginxErrors(filepath.Join(c.work, "nginx-error.log"))
			return fmt.Errorf("%s: %w\n--- A:\n%s\n--- B:\n%s\n--- nginx:\n%s", ch.name, err, tail(c.inst[0].log.String()), tail(c.inst[1].log.String()), tail(string(nlog)))
		}
		fmt.Printf("ok  %s (%s)\n", ch.name, time.Since(t0).Round(time.Millisecond))
	}
	if o.Load > 0 {
		if err := c.loadTest(o.Load, o.C); err != nil {
			return fmt.Errorf("load test: %w", err)
		}
	}
	fmt.Printf("done in %s\n", time.Since(start).Round(time.Second))
	return nil
}

// pakn runs a one-off command with the cluster's environment.
func (c *cluster) pakn(args ...string) ([]byte, error) {
	cmd := exec.Command(c.bin, args...)
	cmd.Env = append(c.env, "PAKN_DATA_DIR="+filepath.Join(c.work, "cli"))
	return cmd.CombinedOutput()
}

func (c *cluster) start(in *instance) error {
	in.log = &loadtest.SyncBuffer{}
	in.cmd = exec.Command(c.bin, "serve")
	in.cmd.Env = append(c.env, "PAKN_ADDR="+in.addr, "PAKN_BASE_URL=http://"+c.proxy,
		"PAKN_DATA_DIR="+filepath.Join(c.work, "data-"+in.name))
	in.cmd.Stdout, in.cmd.Stderr = io.Discard, in.log
	if err := in.cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", in.name, err)
	}
	in.exited = make(chan struct{})
	go func() { _ = in.cmd.Wait(); close(in.exited) }()
	if err := loadtest.WaitReady("http://"+in.addr, 90*time.Second); err != nil {
		return fmt.Errorf("instance %s: %w\n%s", in.name, err, in.log.String())
	}
	return nil
}

// stop sends sig and waits for the process to end.
func (in *instance) stop(sig syscall.Signal) error {
	if err := in.cmd.Process.Signal(sig); err != nil {
		return err
	}
	select {
	case <-in.exited:
		return nil
	case <-time.After(40 * time.Second):
		_ = in.cmd.Process.Kill()
		return fmt.Errorf("instance %s did not stop on %s", in.name, sig)
	}
}

func (c *cluster) stopAll() {
	for _, in := range c.inst {
		if in != nil && in.cmd != nil {
			select {
			case <-in.exited:
			default:
				_ = in.stop(syscall.SIGTERM)
			}
		}
	}
	if c.nginx != nil {
		_ = c.nginx.Process.Signal(syscall.SIGQUIT)
		done := make(chan struct{})
		go func() { _ = c.nginx.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = c.nginx.Process.Kill()
		}
	}
}

// startNginx writes a configuration like deploy/nginx.conf without TLS: the
// upstream of both instances, retries of what may be retried, the client's
// address passed on (here appended, so that the checks can act as many
// clients from one machine).
func (c *cluster) startNginx(bin string) error {
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;"
	}
	conf := fmt.Sprintf(`%[1]s
worker_processes 1;
daemon off;
pid %[2]s/nginx.pid;
error_log %[2]s/nginx-error.log warn;
events { worker_connections 2048; }
http {
    access_log off;
    client_body_temp_path %[2]s/body;
    proxy_temp_path %[2]s/proxy;
    fastcgi_temp_path %[2]s/fastcgi;
    uwsgi_temp_path %[2]s/uwsgi;
    scgi_temp_path %[2]s/scgi;
    upstream pakn {
        # max_fails=0: an instance is never taken out, each request tries
        # the next one on error. With max_fails, an instance that just
        # restarted can be marked down by one stale connection while the
        # other restarts: "no live upstreams" (see README, Operations).
        server %[3]s max_fails=0;
        server %[4]s max_fails=0;
        keepalive 32;
    }
    server {
        listen %[5]s;
        client_max_body_size 55m;
        gzip off;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_connect_timeout 2s;
        proxy_read_timeout 60s;
        proxy_next_upstream error timeout http_502 http_503;
        proxy_next_upstream_tries 2;
        location / { proxy_pass http://pakn; }
    }
}
`, user, c.work, c.inst[0].addr, c.inst[1].addr, c.proxy)
	path := filepath.Join(c.work, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		return err
	}
	c.nginx = exec.Command(bin, "-p", c.work, "-c", path, "-e", filepath.Join(c.work, "nginx-error.log"))
	var out loadtest.SyncBuffer
	c.nginx.Stdout, c.nginx.Stderr = &out, &out
	if err := c.nginx.Start(); err != nil {
		return fmt.Errorf("nginx: %w", err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if conn, err := net.DialTimeout("tcp", c.proxy, time.Second); err == nil {
			conn.Close()
			return nil
		}
	}
	log, _ := os.ReadFile(filepath.Join(c.work, "nginx-error.log"))
	return fmt.Errorf("nginx did not start: %s %s", out.String(), log)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signIn signs the demo coordinator in through base and returns the client.
func signIn(base string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(base + "/admin/login")
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("no CSRF token on the sign-in page (%d)", resp.StatusCode)
	}
	resp, err = hc.PostForm(base+"/admin/login", url.Values{
		"email": {"coordinator@demo.pakn.vn"}, "password": {"demo-pakn-2026"}, "_csrf": {string(m[1])}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("sign in: %d", resp.StatusCode)
	}
	return hc, nil
}

func (c *cluster) checkSession() error {
	a, b := "http://"+c.inst[0].addr, "http://"+c.inst[1].addr
	hc, err := signIn(a)
	if err != nil {
		return err
	}
	// Cookies belong to the host, not the port: the jar sends A's session to B.
	resp, err := hc.Get(b + "/admin")
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `name="csrf-token"`) {
		return fmt.Errorf("B's /admin with A's session: %d", resp.StatusCode)
	}
	return nil
}

func (c *cluster) checkLimit() error {
	created, limited := 0, 0
	for i := range 8 {
		code, _, err := submit(c.proxy, "10.77.0.1", fmt.Sprintf("Kiểm tra giới hạn chung %d", i))
		if err != nil {
			return err
		}
		switch code {
		case http.StatusCreated:
			created++
		case http.StatusTooManyRequests:
			limited++
		default:
			return fmt.Errorf("submission %d: %d", i+1, code)
		}
	}
	if created != 5 || limited != 3 {
		return fmt.Errorf("8 submissions through the proxy (alternating instances) with a limit of 5/min: %d created, %d refused", created, limited)
	}
	return nil
}

func (c *cluster) checkSearch() error {
	word := fmt.Sprintf("kiemtra%d", time.Now().UnixNano()%1_000_000)
	file := filepath.Join(c.work, "faq.jsonl")
	line := fmt.Sprintf(`{"id":"multi-%s","category":"khac","unit":"TTPVHCC","question":"Thủ tục %s làm ở đâu?","answer":"Tại bộ phận một cửa (%s)."}`+"\n", word, word, word)
	if err := os.WriteFile(file, []byte(line), 0o600); err != nil {
		return err
	}
	if out, err := c.pakn("faq", "import", file); err != nil {
		return fmt.Errorf("faq import: %w\n%s", err, out)
	}
	t0 := time.Now()
	found := [2]time.Duration{}
	for time.Since(t0) < 10*time.Second && (found[0] == 0 || found[1] == 0) {
		for i, in := range c.inst {
			if found[i] == 0 && searchTotal("http://"+in.addr, word) > 0 {
				found[i] = time.Since(t0)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Printf("    searchable through A after %s, through B after %s\n", found[0].Round(time.Millisecond), found[1].Round(time.Millisecond))
	if found[0] == 0 || found[1] == 0 || found[0] > 5*time.Second || found[1] > 5*time.Second {
		return errors.New("not searchable through both within 5 s")
	}
	return nil
}

func (c *cluster) checkPortalOnce(p *portal) error {
	var want int
	if err := c.db.QueryRow(`SELECT count(*) FROM outbox_messages WHERE channel = 'portal'`).Scan(&want); err != nil {
		return err
	}
	deadline := time.Now().Add(100 * time.Second)
	for time.Now().Before(deadline) {
		var left int
		if err := c.db.QueryRow(`SELECT count(*) FROM outbox_messages WHERE channel = 'portal' AND status <> 'sent'`).Scan(&left); err != nil {
			return err
		}
		if left == 0 {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // any doubled push would be on its way
	keys, total := p.counts()
	fmt.Printf("    %d portal rows, %d distinct pushes received, %d deliveries\n", want, keys, total)
	if want == 0 || keys != want || total != want {
		return fmt.Errorf("%d portal rows: %d distinct pushes, %d deliveries (want each once)", want, keys, total)
	}
	return nil
}

// checkFailover runs light public load through the proxy (4 clients)
// while B is killed with SIGKILL and restarted, then while A and B restart
// in turn (SIGTERM). No read may fail. A submission in flight on B when it
// is killed cannot be retried by nginx (it may have been stored: a POST is
// never sent twice), so its client gets 502 and no acknowledgement; at
// most one per client is allowed there, none in the rolling restart.
func (c *cluster) checkFailover() error {
	const workers = 4
	l := startLoad(c.proxy, workers, nil)
	time.Sleep(2 * time.Second)
	if err := c.inst[1].stop(syscall.SIGKILL); err != nil {
		return err
	}
	time.Sleep(3 * time.Second)
	if err := c.start(c.inst[1]); err != nil {
		return err
	}
	killed := l.snapshot()
	for _, in := range c.inst {
		if err := in.stop(syscall.SIGTERM); err != nil {
			return err
		}
		if err := c.start(in); err != nil {
			return err
		}
		time.Sleep(time.Second)
	}
	r := l.stop()
	fmt.Printf("    SIGKILL phase: %s\n    whole run: %s\n", killed, r)
	if err := c.checkStored(r.acked); err != nil {
		return err
	}
	if r.failedReads > 0 || killed.failedWrites > workers || r.failedWrites > killed.failedWrites {
		return fmt.Errorf("the public saw failed requests: %s; first: %s", r, r.firstErr)
	}
	return nil
}

// checkStored: every acknowledged petition is in the database.
func (c *cluster) checkStored(codes []string) error {
	if len(codes) == 0 {
		return errors.New("no petition was acknowledged")
	}
	var n int
	if err := c.db.QueryRow(`SELECT count(*) FROM petitions WHERE code = ANY($1)`, codes).Scan(&n); err != nil {
		return err
	}
	if n != len(codes) {
		return fmt.Errorf("%d petitions acknowledged, %d stored", len(codes), n)
	}
	return nil
}

// nginxErrors is nginx's error log without the repeats of "no live
// upstreams" (which follow from the errors before them).
func nginxErrors(path string) string {
	b, _ := os.ReadFile(path)
	var keep []string
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.Contains(line, "no live upstreams") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

func tail(s string) string {
	if len(s) > 3000 {
		return "…" + s[len(s)-3000:]
	}
	return s
}
