package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"pakn/app"
)

var envName = regexp.MustCompile(`PAKN_[A-Z0-9_]+`)

// TestEnvExampleListsEveryVariable: deploy/pakn.env.example names every
// variable the program reads and every one the README documents.
func TestEnvExampleListsEveryVariable(t *testing.T) {
	example, err := os.ReadFile("deploy/pakn.env.example")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(string(example), "\n") {
		line = strings.TrimPrefix(strings.TrimSpace(line), "#")
		if name, _, ok := strings.Cut(line, "="); ok && envName.MatchString(name) && envName.FindString(name) == name {
			listed[name] = true
		}
	}
	want := map[string]string{}
	// Read by the program: non-test Go files outside the load tools.
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (path == "cmd" || path == "internal" || strings.HasPrefix(d.Name(), ".")) && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range regexp.MustCompile(`"(PAKN_[A-Z0-9_]+)"`).FindAllStringSubmatch(string(b), -1) {
			want[m[1]] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Documented: the README's configuration rows.
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "| `PAKN_") {
			cell, _, _ := strings.Cut(line[1:], "|")
			for _, name := range envName.FindAllString(cell, -1) {
				want[name] = "README.md"
			}
		}
	}
	var missing []string
	for name, where := range want {
		if strings.HasPrefix(name, "PAKN_TEST_") || strings.HasPrefix(name, "PAKN_BENCH_") || strings.HasPrefix(name, "PAKN_EVAL_") {
			continue
		}
		if !listed[name] {
			missing = append(missing, name+" ("+where+")")
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("deploy/pakn.env.example lacks %s", strings.Join(missing, ", "))
	}
	if len(listed) < 20 {
		t.Errorf("only %d variables listed", len(listed))
	}
}

// TestNginxConf: the proxy's body limit is PAKN's, it leaves compression
// to PAKN (BREACH) and passes the client's address and scheme; with nginx
// installed, `nginx -t` accepts the file with a throwaway certificate.
func TestNginxConf(t *testing.T) {
	b, err := os.ReadFile("deploy/nginx.conf")
	if err != nil {
		t.Fatal(err)
	}
	conf := string(b)
	for _, want := range []string{
		fmt.Sprintf("client_max_body_size %dm;", app.LimitUpload>>20),
		"gzip off;", "X-Forwarded-For $remote_addr", "X-Forwarded-Proto $scheme", "http2", "ssl_certificate ",
		"max-age=31536000, immutable",
	} {
		if !strings.Contains(conf, want) {
			t.Errorf("deploy/nginx.conf lacks %q", want)
		}
	}
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		nginx = "/usr/sbin/nginx"
		if _, err := os.Stat(nginx); err != nil {
			t.Skip("nginx is not installed: the file is not checked by nginx -t")
		}
	}
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeSelfSignedCert(t, cert, key)
	site := regexp.MustCompile(`ssl_certificate\s+\S+;`).ReplaceAllString(conf, "ssl_certificate "+cert+";")
	site = regexp.MustCompile(`ssl_certificate_key\s+\S+;`).ReplaceAllString(site, "ssl_certificate_key "+key+";")
	if err := os.WriteFile(filepath.Join(dir, "site.conf"), []byte(site), 0o600); err != nil {
		t.Fatal(err)
	}
	main := fmt.Sprintf("pid %[1]s/nginx.pid;\nerror_log %[1]s/error.log;\nevents {}\nhttp {\n  access_log off;\n  include %[1]s/site.conf;\n}\n", dir)
	if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(main), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(nginx, "-t", "-q", "-e", filepath.Join(dir, "error.log"), "-p", dir, "-c", filepath.Join(dir, "nginx.conf")).CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
}

// TestSystemdUnit: the unit is hardened as the README promises, its
// writable path is the data folder it sets, and systemd-analyze (when
// present) finds nothing to say about it.
func TestSystemdUnit(t *testing.T) {
	b, err := os.ReadFile("deploy/pakn.service")
	if err != nil {
		t.Fatal(err)
	}
	unit := string(b)
	for _, want := range []string{
		"User=pakn", "EnvironmentFile=/etc/pakn/pakn.env", "Environment=PAKN_DATA_DIR=/var/lib/pakn",
		"ReadWritePaths=/var/lib/pakn", "ProtectSystem=strict", "NoNewPrivileges=yes", "PrivateTmp=yes",
		"CapabilityBoundingSet=\n", "ExecStart=/usr/local/bin/pakn serve", "KillSignal=SIGTERM",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("deploy/pakn.service lacks %q", strings.TrimSpace(want))
		}
	}
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed")
	}
	// verify wants the program to exist.
	path := filepath.Join(t.TempDir(), "pakn.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/pakn", "/bin/true")), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}

func writeSelfSignedCert(t *testing.T, certPath, keyPath string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pakn.example.gov.vn"},
		DNSNames: []string{"pakn.example.gov.vn"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kd}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestGrafanaDashboard: the dashboard is valid JSON and every PAKN metric
// it queries is one the program exports.
func TestGrafanaDashboard(t *testing.T) {
	b, err := os.ReadFile("deploy/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil || len(dash.Panels) < 8 {
		t.Fatalf("dashboard: %v, %d panels", err, len(dash.Panels))
	}
	var src strings.Builder
	for _, dir := range []string{".", "app"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		for _, f := range files {
			if !strings.HasSuffix(f, "_test.go") {
				b, _ := os.ReadFile(f)
				src.Write(b)
			}
		}
	}
	metric := regexp.MustCompile(`pakn_[a-z_]+`)
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, name := range metric.FindAllString(tg.Expr, -1) {
				base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_count"), "_sum")
				if !strings.Contains(src.String(), `"`+base+`"`) {
					t.Errorf("panel %q queries %s, which nothing exports", p.Title, name)
				}
			}
		}
	}
}
