package delivery

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpServer is a real in-process SMTP server (emersion/go-smtp) that
// records what it accepts.
type smtpServer struct {
	t    *testing.T
	addr string
	srv  *smtp.Server

	mu       sync.Mutex
	received []received
	authed   []string
	// rcptErr and dataErr, when set, reject RCPT TO or DATA.
	rcptErr, dataErr *smtp.SMTPError
}

type received struct {
	From string
	To   []string
	Data []byte
}

type serverMode int

const (
	modePlain    serverMode = iota // no TLS at all
	modeSTARTTLS                   // STARTTLS offered on a plain listener
	modeTLS                        // implicit TLS (smtps)
)

type serverOpts struct {
	mode serverMode
	cert tls.Certificate
	// user and pass, when set, make AUTH PLAIN required.
	user, pass string
	// rejectRcpt is a recipient answered with 550.
	rejectRcpt string
}

func startSMTP(t *testing.T, o serverOpts) *smtpServer {
	t.Helper()
	s := &smtpServer{t: t}
	s.start(t, "127.0.0.1:0", o)
	return s
}

func (s *smtpServer) start(t *testing.T, addr string, o serverOpts) {
	t.Helper()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{s: s, user: o.user, pass: o.pass, rejectRcpt: o.rejectRcpt}, nil
	}))
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = testLogger{t}
	if o.mode != modePlain {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{o.cert}, MinVersion: tls.VersionTLS12}
	}
	var l net.Listener
	var err error
	// Rebinding the port of a server just taken down can race with the
	// kernel for a moment.
	for i := 0; i < 50; i++ {
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	if o.mode == modeTLS {
		l = tls.NewListener(l, srv.TLSConfig)
	}
	s.addr = l.Addr().String()
	s.srv = srv
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
}

func (s *smtpServer) stop() { _ = s.srv.Close() }

func (s *smtpServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.received...)
}

type testLogger struct{ t *testing.T }

func (l testLogger) Printf(format string, v ...any) { l.t.Logf("smtp server: "+format, v...) }
func (l testLogger) Println(v ...any)               { l.t.Log(append([]any{"smtp server:"}, v...)...) }

type session struct {
	s          *smtpServer
	user, pass string
	rejectRcpt string
	authed     bool
	from       string
	to         []string
}

func (ss *session) AuthMechanisms() []string {
	if ss.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.user || pass != ss.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		ss.authed = true
		ss.s.mu.Lock()
		ss.s.authed = append(ss.s.authed, user)
		ss.s.mu.Unlock()
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.user != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if to == ss.rejectRcpt {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	}
	ss.s.mu.Lock()
	rerr := ss.s.rcptErr
	ss.s.mu.Unlock()
	if rerr != nil {
		return rerr
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.s.mu.Lock()
	defer ss.s.mu.Unlock()
	if ss.s.dataErr != nil {
		return ss.s.dataErr
	}
	ss.s.received = append(ss.s.received, received{From: ss.from, To: ss.to, Data: b})
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and localhost, and a pool
// that trusts it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "pakn test smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

const vnSubject = "Phản ánh PAKN-261126-0001 đã được tiếp nhận"

func testMail(id string) Mail {
	return Mail{
		MessageID: "<petition-" + id + "-received@pakn.local>",
		To:        "Nguyễn Văn An <an@example.vn>",
		Subject:   vnSubject,
		Text:      "Kính gửi ông/bà,\nPhản ánh của quý vị đã được tiếp nhận.\nTra cứu: http://localhost:8080/track",
		HTML:      "<p>Kính gửi ông/bà,</p><p>Phản ánh của quý vị đã được <b>tiếp nhận</b>.</p>",
		Headers:   map[string]string{"X-PAKN-Petition": id},
	}
}

func newMailer(t *testing.T, rawURL string, opts ...MailerOption) *Mailer {
	t.Helper()
	opts = append([]MailerOption{WithMailTimeout(5 * time.Second), WithMailHELO("pakn.test")}, opts...)
	m, err := NewMailer(rawURL, "PAKN Long An <noreply@pakn.local>", opts...)
	if err != nil {
		t.Fatalf("NewMailer: %v", err)
	}
	return m
}

// checkReceived parses a received message and checks what the citizen's
// mail program will rely on.
func checkReceived(t *testing.T, r received, want Mail) {
	t.Helper()
	if r.From != "noreply@pakn.local" || len(r.To) != 1 || r.To[0] != "an@example.vn" {
		t.Errorf("envelope from %q to %q", r.From, r.To)
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(r.Data)))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, r.Data)
	}
	if got := msg.Header.Get("Message-Id"); got != want.MessageID {
		t.Errorf("Message-ID = %q, want %q", got, want.MessageID)
	}
	raw := msg.Header.Get("Subject")
	if strings.ContainsFunc(raw, func(r rune) bool { return r > 127 }) {
		t.Errorf("Subject header is not MIME-encoded: %q", raw)
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(raw)
	if err != nil || subj != want.Subject {
		t.Errorf("Subject decodes to %q (%v), want %q", subj, err, want.Subject)
	}
	if _, err := msg.Header.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if got := msg.Header.Get("X-Pakn-Petition"); got == "" {
		t.Errorf("extra header missing")
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type %q (%v), want multipart/alternative", msg.Header.Get("Content-Type"), err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		pt, pp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if !strings.EqualFold(pp["charset"], "utf-8") {
			t.Errorf("%s charset %q, want UTF-8", pt, pp["charset"])
		}
		b, _ := io.ReadAll(p) // quoted-printable is decoded by the reader
		parts[pt] = strings.ReplaceAll(string(b), "\r\n", "\n")
	}
	if parts["text/plain"] != want.Text {
		t.Errorf("text/plain = %q, want %q", parts["text/plain"], want.Text)
	}
	if parts["text/html"] != want.HTML {
		t.Errorf("text/html = %q, want %q", parts["text/html"], want.HTML)
	}
}

func TestMailerDelivers(t *testing.T) {
	cert, pool := selfSigned(t)
	tests := []struct {
		name   string
		server serverOpts
		scheme string
		opts   []MailerOption
		auth   bool
	}{
		{name: "plain", server: serverOpts{mode: modePlain}, scheme: "smtp"},
		{name: "starttls", server: serverOpts{mode: modeSTARTTLS, cert: cert}, scheme: "smtp", opts: []MailerOption{WithMailRootCAs(pool)}},
		{name: "starttls insecure", server: serverOpts{mode: modeSTARTTLS, cert: cert}, scheme: "smtp", opts: []MailerOption{WithMailInsecureSkipVerify()}},
		{name: "starttls auth", server: serverOpts{mode: modeSTARTTLS, cert: cert, user: "pakn", pass: "s3cret:/@"}, scheme: "smtp", opts: []MailerOption{WithMailRootCAs(pool)}, auth: true},
		{name: "smtps", server: serverOpts{mode: modeTLS, cert: cert}, scheme: "smtps", opts: []MailerOption{WithMailRootCAs(pool)}},
		{name: "smtps auth", server: serverOpts{mode: modeTLS, cert: cert, user: "pakn", pass: "s3cret:/@"}, scheme: "smtps", opts: []MailerOption{WithMailRootCAs(pool)}, auth: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startSMTP(t, tc.server)
			u := tc.scheme + "://" + srv.addr
			if tc.auth {
				u = tc.scheme + "://pakn:" + "s3cret%3A%2F%40" + "@" + srv.addr
			}
			m := newMailer(t, u, tc.opts...)
			want := testMail("PAKN-261126-0001")
			if err := m.Send(context.Background(), want); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.messages()
			if len(got) != 1 {
				t.Fatalf("server received %d messages, want 1", len(got))
			}
			checkReceived(t, got[0], want)
			if tc.auth && len(srv.authed) != 1 {
				t.Errorf("server saw %d authentications, want 1", len(srv.authed))
			}
		})
	}
}

func TestMailerClassifiesFailures(t *testing.T) {
	cert, pool := selfSigned(t)
	tests := []struct {
		name      string
		server    serverOpts
		url       func(addr string) string
		opts      []MailerOption
		rcptErr   *smtp.SMTPError
		dataErr   *smtp.SMTPError
		permanent bool
	}{
		{name: "550 mailbox unavailable", rcptErr: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}, permanent: true},
		{name: "554 content rejected", dataErr: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "rejected"}, permanent: true},
		{name: "451 try later at RCPT", rcptErr: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}},
		{name: "452 try later at DATA", dataErr: &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "out of space"}},
		{name: "wrong password", server: serverOpts{mode: modeSTARTTLS, cert: cert, user: "pakn", pass: "right"},
			url: func(a string) string { return "smtp://pakn:wrong@" + a }, opts: []MailerOption{WithMailRootCAs(pool)}},
		{name: "untrusted certificate", server: serverOpts{mode: modeSTARTTLS, cert: cert}},
		{name: "no password over plain text", server: serverOpts{mode: modePlain},
			url: func(a string) string { return "smtp://pakn:secret@" + a }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := startSMTP(t, tc.server)
			srv.rcptErr, srv.dataErr = tc.rcptErr, tc.dataErr
			u := "smtp://" + srv.addr
			if tc.url != nil {
				u = tc.url(srv.addr)
			}
			m := newMailer(t, u, tc.opts...)
			err := m.Send(context.Background(), testMail("PAKN-261126-0002"))
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			t.Logf("error: %v", err)
			if IsPermanent(err) != tc.permanent || IsRetryable(err) == tc.permanent {
				t.Errorf("IsPermanent = %v, IsRetryable = %v, want permanent %v: %v", IsPermanent(err), IsRetryable(err), tc.permanent, err)
			}
			if n := len(srv.messages()); n != 0 {
				t.Errorf("server stored %d messages", n)
			}
		})
	}
}

func TestMailerInvalidMessageIsPermanent(t *testing.T) {
	m := newMailer(t, "smtp://127.0.0.1:1") // never dialled
	for name, msg := range map[string]Mail{
		"bad address": {MessageID: "<x@pakn.local>", To: "not an address", Text: "x"},
		"no body":     {MessageID: "<x@pakn.local>", To: "a@example.vn"},
		"no id":       {To: "a@example.vn", Text: "x"},
	} {
		if err := m.Send(context.Background(), msg); !IsPermanent(err) {
			t.Errorf("%s: err = %v, want permanent", name, err)
		}
	}
}

// TestMailerServerDownAndBack takes the server down in the middle of a batch:
// what could not be sent is retryable, and a retry once it is back delivers
// every message exactly once.
func TestMailerServerDownAndBack(t *testing.T) {
	srv := startSMTP(t, serverOpts{})
	addr := srv.addr
	m := newMailer(t, "smtp://"+addr)
	ctx := context.Background()

	first := []Mail{testMail("PAKN-261126-0010"), testMail("PAKN-261126-0011")}
	for i, err := range m.SendBatch(ctx, first) {
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	srv.stop()

	pending := []Mail{testMail("PAKN-261126-0012"), testMail("PAKN-261126-0013")}
	for i, err := range m.SendBatch(ctx, pending) {
		if !IsRetryable(err) {
			t.Fatalf("server down, message %d: err = %v, want retryable", i, err)
		}
		var op *net.OpError
		if !errors.As(err, &op) {
			t.Errorf("message %d: %v is not a network error", i, err)
		}
	}

	srv.start(t, addr, serverOpts{})
	for i, err := range m.SendBatch(ctx, pending) {
		if err != nil {
			t.Fatalf("after restart, message %d: %v", i, err)
		}
	}
	got := srv.messages()
	if len(got) != 4 {
		t.Fatalf("received %d messages, want 4", len(got))
	}
	seen := map[string]int{}
	for _, r := range got {
		msg, err := mail.ReadMessage(strings.NewReader(string(r.Data)))
		if err != nil {
			t.Fatal(err)
		}
		seen[msg.Header.Get("Message-Id")]++
	}
	for _, want := range append(first, pending...) {
		if seen[want.MessageID] != 1 {
			t.Errorf("%s received %d times", want.MessageID, seen[want.MessageID])
		}
	}
}

// TestMailerBatchIsolatesFailures: a rejected recipient fails its own message
// only.
func TestMailerBatchIsolatesFailures(t *testing.T) {
	srv := startSMTP(t, serverOpts{rejectRcpt: "bad@example.vn"})
	m := newMailer(t, "smtp://"+srv.addr)
	bad := testMail("PAKN-261126-0021")
	bad.To = "bad@example.vn"
	errs := m.SendBatch(context.Background(), []Mail{testMail("PAKN-261126-0020"), bad, testMail("PAKN-261126-0022")})
	if errs[0] != nil || errs[2] != nil {
		t.Fatalf("good messages failed: %v", errs)
	}
	if !IsPermanent(errs[1]) {
		t.Fatalf("rejected message: %v, want permanent", errs[1])
	}
	if n := len(srv.messages()); n != 2 {
		t.Fatalf("received %d, want 2", n)
	}
}

func TestMailerCancelledContextIsRetryable(t *testing.T) {
	srv := startSMTP(t, serverOpts{})
	m := newMailer(t, "smtp://"+srv.addr)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := m.Send(ctx, testMail("PAKN-261126-0030"))
	if !IsRetryable(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want retryable context.Canceled", err)
	}
}

func TestNewMailerRejectsBadURLs(t *testing.T) {
	for _, u := range []string{"http://mail.example.vn", "smtp://", "smtp://host:notaport", "::"} {
		if _, err := NewMailer(u, "a@example.vn"); err == nil {
			t.Errorf("NewMailer(%q) succeeded", u)
		}
	}
	if _, err := NewMailer("smtp://host", "not an address"); err == nil {
		t.Error("bad from accepted")
	}
}
