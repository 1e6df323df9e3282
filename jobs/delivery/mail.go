package delivery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"
)

// Mail is one e-mail notice.
type Mail struct {
	// MessageID is stable across retries of the same notice, for example
	// "<petition-PAKN-261126-0001-received@pakn.local>" (angle brackets
	// optional), so that a receiver can drop a repeat.
	MessageID string
	From      string // empty: the Mailer's default sender
	To        string
	Subject   string // UTF-8; encoded for the header by the library
	Text      string // text/plain part
	HTML      string // text/html alternative; optional
	Headers   map[string]string
	// Date is the Date header; zero means now.
	Date time.Time
}

// Mailer sends mail through one SMTP server. It opens a connection per Send
// (or per SendBatch) and is safe for concurrent use.
type Mailer struct {
	client *gomail.Client
	from   string
}

type mailerConfig struct {
	timeout time.Duration
	tls     *tls.Config
	helo    string
}

// MailerOption configures NewMailer.
type MailerOption func(*mailerConfig)

// WithMailTimeout bounds connecting and each SMTP command (default 30 s).
func WithMailTimeout(d time.Duration) MailerOption {
	return func(c *mailerConfig) { c.timeout = d }
}

// WithMailTLSConfig sets the TLS configuration for STARTTLS and smtps
// (ServerName defaults to the URL's host).
func WithMailTLSConfig(cfg *tls.Config) MailerOption {
	return func(c *mailerConfig) { c.tls = cfg.Clone() }
}

// WithMailRootCAs trusts the given roots instead of the system's, e.g. a
// private CA or a test's self-signed certificate.
func WithMailRootCAs(pool *x509.CertPool) MailerOption {
	return func(c *mailerConfig) {
		if c.tls == nil {
			c.tls = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		c.tls.RootCAs = pool
	}
}

// WithMailInsecureSkipVerify accepts any server certificate. For tests only:
// it gives up the protection TLS is there for.
func WithMailInsecureSkipVerify() MailerOption {
	return func(c *mailerConfig) {
		if c.tls == nil {
			c.tls = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		c.tls.InsecureSkipVerify = true
	}
}

// WithMailHELO sets the name sent in EHLO (default: the host name).
func WithMailHELO(name string) MailerOption {
	return func(c *mailerConfig) { c.helo = name }
}

// NewMailer parses $PAKN_SMTP_URL:
//
//	smtp://[user:pass@]host[:port]   port 25 by default; STARTTLS when the
//	                                 server offers it, plain otherwise
//	smtps://[user:pass@]host[:port]  port 465 by default; implicit TLS
//
// With user info the mailer authenticates, choosing the strongest mechanism
// the server offers; PLAIN and LOGIN are used only over TLS, so a password
// is never sent in clear. from ($PAKN_MAIL_FROM) is the default sender.
func NewMailer(rawURL, from string, opts ...MailerOption) (*Mailer, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("smtp URL: %w", err)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("smtp URL %q: no host", u.Redacted())
	}
	cfg := mailerConfig{timeout: 30 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.tls == nil {
		cfg.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if cfg.tls.ServerName == "" {
		cfg.tls.ServerName = host
	}

	copts := []gomail.Option{
		gomail.WithTimeout(cfg.timeout),
		gomail.WithTLSConfig(cfg.tls),
	}
	port := 25
	switch u.Scheme {
	case "smtp":
		copts = append(copts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case "smtps":
		port = 465
		copts = append(copts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("smtp URL %q: scheme must be smtp or smtps", u.Redacted())
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("smtp URL %q: port: %w", u.Redacted(), err)
		}
	}
	copts = append(copts, gomail.WithPort(port))
	if u.User != nil {
		pass, _ := u.User.Password()
		copts = append(copts,
			gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()),
			gomail.WithPassword(pass))
	}
	if cfg.helo != "" {
		copts = append(copts, gomail.WithHELO(cfg.helo))
	}
	c, err := gomail.NewClient(host, copts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	if from != "" {
		if err := gomail.NewMsg().From(from); err != nil {
			return nil, fmt.Errorf("mail from %q: %w", from, err)
		}
	}
	return &Mailer{client: c, from: from}, nil
}

// Send delivers one message over its own connection. See SendBatch for the
// classification of errors.
func (m *Mailer) Send(ctx context.Context, msg Mail) error {
	return m.SendBatch(ctx, []Mail{msg})[0]
}

// SendBatch delivers messages over one connection and returns one error per
// message, in order. A 5xx reply to MAIL, RCPT or DATA (550 mailbox
// unavailable, 554 rejected) and a message that cannot be built (bad address)
// are Permanent. 4xx replies, network errors, timeouts, TLS failures and
// failures while setting up the session (greeting, EHLO, STARTTLS, AUTH,
// even with 5xx) are retryable: they concern the server or our
// configuration, not the message, and clear up without anyone touching the
// message. After a failure the next message gets a fresh connection, so one
// broken session does not spill onto the others.
func (m *Mailer) SendBatch(ctx context.Context, msgs []Mail) []error {
	errs := make([]error, len(msgs))
	var conn *gosmtp.Client
	var stop func() bool
	closeConn := func() {
		if conn != nil {
			stop()
			// A failing QUIT after the server accepted DATA must not turn a
			// delivered message into a retry: its error is ignored.
			_ = m.client.CloseWithSMTPClient(conn)
			conn = nil
		}
	}
	defer closeConn()

	for i, mail := range msgs {
		gm, err := m.build(mail)
		if err != nil {
			errs[i] = MarkPermanent(fmt.Errorf("mail %s: %w", mail.MessageID, err))
			continue
		}
		if err := ctx.Err(); err != nil {
			errs[i] = fmt.Errorf("mail %s: %w", mail.MessageID, err)
			continue
		}
		if conn == nil {
			c, err := m.client.DialToSMTPClientWithContext(ctx)
			if err != nil {
				errs[i] = fmt.Errorf("mail %s: connect to %s: %w", mail.MessageID, m.client.ServerAddr(), err)
				continue
			}
			conn = c
			// go-mail watches ctx only while dialling; closing the
			// connection makes a command in flight fail when ctx ends.
			stop = context.AfterFunc(ctx, func() { _ = c.Close() })
		}
		if err := m.client.SendWithSMTPClient(conn, gm); err != nil {
			errs[i] = classifySend(fmt.Errorf("mail %s: %w", mail.MessageID, err))
			closeConn()
		}
	}
	return errs
}

// classifySend marks 5xx replies to the message transaction as Permanent.
func classifySend(err error) error {
	var se *gomail.SendError
	if errors.As(err, &se) {
		switch se.Reason {
		case gomail.ErrGetSender, gomail.ErrGetRcpts, gomail.ErrNoUnencoded:
			return MarkPermanent(err)
		}
		if se.ErrorCode() >= 500 && se.ErrorCode() < 600 {
			return MarkPermanent(err)
		}
		return err
	}
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 && te.Code < 600 {
		return MarkPermanent(err)
	}
	return err
}

func (m *Mailer) build(mail Mail) (*gomail.Msg, error) {
	if mail.To == "" || mail.MessageID == "" || (mail.Text == "" && mail.HTML == "") {
		return nil, fmt.Errorf("to, message id or body: %w", errEmpty)
	}
	gm := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	from := mail.From
	if from == "" {
		from = m.from
	}
	if err := gm.From(from); err != nil {
		return nil, fmt.Errorf("from %q: %w", from, err)
	}
	if err := gm.To(mail.To); err != nil {
		return nil, fmt.Errorf("to %q: %w", mail.To, err)
	}
	for k, v := range mail.Headers {
		gm.SetGenHeader(gomail.Header(textproto.CanonicalMIMEHeaderKey(k)), v)
	}
	// Set after the extra headers so that they cannot replace these.
	gm.Subject(mail.Subject)
	gm.SetMessageIDWithValue(strings.TrimSuffix(strings.TrimPrefix(mail.MessageID, "<"), ">"))
	if mail.Date.IsZero() {
		gm.SetDate()
	} else {
		gm.SetDateWithValue(mail.Date)
	}
	switch {
	case mail.Text != "" && mail.HTML != "":
		gm.SetBodyString(gomail.TypeTextPlain, mail.Text)
		gm.AddAlternativeString(gomail.TypeTextHTML, mail.HTML)
	case mail.Text != "":
		gm.SetBodyString(gomail.TypeTextPlain, mail.Text)
	default:
		gm.SetBodyString(gomail.TypeTextHTML, mail.HTML)
	}
	return gm, nil
}
