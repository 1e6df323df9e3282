package main

import (
	"bufio"
	"debug/elf"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"pakn/internal/loadtest"
)

// nobody is the user the image runs as (USER 65534:65534).
const nobody = 65534

// TestStaticBinaryAsNonRoot checks what the Dockerfile's scratch image
// relies on, without a container daemon: the CGO_ENABLED=0 build is a
// static executable (no interpreter, no dynamic section), and it serves
// from an empty data folder as user nobody with only the image's
// environment, answering /readyz and `pakn healthcheck`.
func TestStaticBinaryAsNonRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode: builds the static binary")
	}
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("needs root to run the binary as nobody")
		}
		t.Skip("needs root to run the binary as nobody")
	}
	image := readDockerfile(t)
	for _, want := range []string{"CGO_ENABLED=0 go build", "FROM scratch", "USER 65534:65534", `VOLUME ["/data"]`, `CMD ["/pakn", "healthcheck"]`} {
		if !strings.Contains(image.text, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}

	root, err := os.MkdirTemp("", "pakn-image-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	data := filepath.Join(root, "data")
	if err := os.Mkdir(data, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(data, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(root, "pakn")
	build := exec.Command(goTool(), "build", "-trimpath", "-ldflags=-s -w", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the binary has a %s program header: not static", p.Type)
		}
	}
	if f.Section(".dynamic") != nil || f.Section(".interp") != nil {
		t.Error("the binary has a dynamic section: not static")
	}
	f.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	// Only the image's environment, with its paths mapped to this folder.
	env := []string{}
	for _, kv := range image.env {
		switch {
		case strings.HasPrefix(kv, "PAKN_DATA_DIR="):
			kv = "PAKN_DATA_DIR=" + data
		case strings.HasPrefix(kv, "PAKN_ADDR="):
			kv = "PAKN_ADDR=" + addr
		}
		env = append(env, kv)
	}
	asNobody := func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = root, env
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
		return cmd
	}
	var logs loadtest.SyncBuffer
	srv := asNobody("serve")
	srv.Stdout, srv.Stderr = &logs, &logs
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	t.Cleanup(func() {
		if srv.ProcessState == nil {
			_ = srv.Process.Kill()
		}
	})

	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("pakn serve as nobody ended: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready as nobody: %v\n%s", err, logs.String())
		}
	}
	if out, err := asNobody("healthcheck").CombinedOutput(); err != nil {
		t.Fatalf("pakn healthcheck: %v\n%s", err, out)
	}
	for _, name := range []string{"pakn.db", "secret", "index"} {
		fi, err := os.Stat(filepath.Join(data, name))
		if err != nil {
			t.Fatalf("data folder: %v", err)
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != nobody {
			t.Errorf("%s belongs to uid %d, want %d", name, st.Uid, nobody)
		}
	}
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("pakn serve after SIGTERM: %v\n%s", err, logs.String())
		}
	case <-time.After(40 * time.Second):
		t.Fatal("pakn serve did not stop on SIGTERM")
	}
	if out, err := asNobody("healthcheck").CombinedOutput(); err == nil {
		t.Fatalf("healthcheck of a stopped server succeeds: %s", out)
	}
}

type dockerfile struct {
	text string
	env  []string // the final stage's ENV, as KEY=VALUE
}

// readDockerfile reads the Dockerfile and the ENV of its last stage.
func readDockerfile(t *testing.T) dockerfile {
	t.Helper()
	b, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	d := dockerfile{text: string(b)}
	var logical []string
	cur := ""
	sc := bufio.NewScanner(strings.NewReader(d.text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		logical = append(logical, cur+line)
		cur = ""
	}
	for _, l := range logical {
		if strings.HasPrefix(l, "FROM ") {
			d.env = nil
		}
		if rest, ok := strings.CutPrefix(l, "ENV "); ok {
			d.env = append(d.env, strings.Fields(rest)...)
		}
	}
	if len(d.env) == 0 {
		t.Fatal("the Dockerfile's last stage sets no environment")
	}
	return d
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}
