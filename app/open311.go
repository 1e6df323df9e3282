package app

import (
	"encoding/xml"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"pakn/models"
	"pakn/models/workdays"
)

// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) at
// /open311/v2/: a category is a service, a petition is a service request
// and its tracking code is the service_request_id. JSON is primary; every
// endpoint also answers in the spec's XML (.xml).

const open311Changeset = "2026-11-26T00:00:00+07:00"

// open311Root sends /open311/v2/ to the discovery document.
func (s *Server) open311Root(c *fiber.Ctx) error {
	return c.Redirect("/open311/v2/discovery.json", fiber.StatusFound)
}

// open311NotFound answers any other path under /open311/v2 in the spec's
// error format.
func (s *Server) open311NotFound(c *fiber.Ctx) error {
	return s.open311Error(c, fiber.StatusNotFound, s.t(c, "error.404.api"))
}

// open311Format is "json" or "xml"; anything else is a 404.
func open311Format(c *fiber.Ctx) (string, bool) {
	f := c.Params("format")
	return f, f == "json" || f == "xml"
}

type o311Error struct {
	XMLName     xml.Name `json:"-" xml:"error"`
	Code        int      `json:"code" xml:"code"`
	Description string   `json:"description" xml:"description"`
}

type o311Errors struct {
	XMLName xml.Name    `xml:"errors"`
	Errors  []o311Error `xml:"error"`
}

// open311Error answers in the spec's error format: a list of {code, description}.
func (s *Server) open311Error(c *fiber.Ctx, status int, desc ...string) error {
	errs := make([]o311Error, len(desc))
	for i, d := range desc {
		errs[i] = o311Error{Code: status, Description: d}
	}
	c.Status(status)
	if strings.HasSuffix(c.Path(), ".xml") {
		return sendXML(c, o311Errors{Errors: errs})
	}
	return c.JSON(errs)
}

// open311Fail maps a model error to the spec's error format.
func (s *Server) open311Fail(c *fiber.Ctx, err error) error {
	switch {
	case errors.Is(err, models.ErrNotFound):
		return s.open311Error(c, fiber.StatusNotFound, s.t(c, "error.404.api"))
	case models.IsUnavailable(err):
		c.Set(fiber.HeaderRetryAfter, "30")
		return s.open311Error(c, fiber.StatusServiceUnavailable, s.t(c, "error.503"))
	}
	return err
}

func sendXML(c *fiber.Ctx, v any) error {
	b, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/xml; charset=utf-8")
	return c.Send(append([]byte(xml.Header), b...))
}

func (s *Server) open311Send(c *fiber.Ctx, format string, jsonV, xmlV any) error {
	if format == "xml" {
		return sendXML(c, xmlV)
	}
	return c.JSON(jsonV)
}

type o311Endpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

type o311Discovery struct {
	XMLName    xml.Name       `json:"-" xml:"discovery"`
	Changeset  string         `json:"changeset" xml:"changeset"`
	Contact    string         `json:"contact" xml:"contact"`
	KeyService string         `json:"key_service" xml:"key_service"`
	Endpoints  []o311Endpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

func (s *Server) open311Discovery(c *fiber.Ctx) error {
	format, ok := open311Format(c)
	if !ok {
		return s.open311Error(c, fiber.StatusNotFound, s.t(c, "error.404.api"))
	}
	d := o311Discovery{
		Changeset: open311Changeset, Contact: s.t(c, "open311.contact", "province", s.Config.Province),
		KeyService: s.t(c, "open311.key_service"),
		Endpoints: []o311Endpoint{{
			Specification: "http://wiki.open311.org/GeoReport_v2", URL: s.Config.BaseURL + "/open311/v2",
			Changeset: open311Changeset, Type: "production", Formats: []string{"application/json", "text/xml"},
		}},
	}
	return s.open311Send(c, format, d, d)
}

type o311Service struct {
	XMLName     xml.Name `json:"-" xml:"service"`
	ServiceCode string   `json:"service_code" xml:"service_code"`
	ServiceName string   `json:"service_name" xml:"service_name"`
	Description string   `json:"description" xml:"description"`
	Metadata    bool     `json:"metadata" xml:"metadata"`
	Type        string   `json:"type" xml:"type"`
	Keywords    string   `json:"keywords" xml:"keywords"`
	Group       string   `json:"group" xml:"group"`
}

type o311Services struct {
	XMLName  xml.Name      `xml:"services"`
	Services []o311Service `xml:"service"`
}

func (s *Server) categoryName(c *fiber.Ctx, k models.Category) string {
	if langOf(c) == "en" && k.NameEn != "" {
		return k.NameEn
	}
	return k.Name
}

func (s *Server) open311Services(c *fiber.Ctx) error {
	format, ok := open311Format(c)
	if !ok {
		return s.open311Error(c, fiber.StatusNotFound, s.t(c, "error.404.api"))
	}
	ctx := c.UserContext()
	cats, err := s.Store.ListCategories(ctx)
	if err != nil {
		return s.open311Fail(c, err)
	}
	units, err := s.Store.ListUnits(ctx)
	if err != nil {
		return s.open311Fail(c, err)
	}
	unitName := map[int64]string{}
	for _, u := range units {
		unitName[u.ID] = u.Name
	}
	out := make([]o311Service, 0, len(cats))
	for _, k := range cats {
		sv := o311Service{ServiceCode: k.Code, ServiceName: s.categoryName(c, k),
			Description: s.t(c, "open311.service.description", "name", k.Name),
			Metadata:    true, Type: "realtime", Keywords: strings.Join(nonEmpty(k.Name, k.NameEn), ", ")}
		if k.DepartmentID != nil {
			sv.Group = unitName[*k.DepartmentID]
		}
		out = append(out, sv)
	}
	return s.open311Send(c, format, out, o311Services{Services: out})
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

type o311Value struct {
	XMLName xml.Name `json:"-" xml:"value"`
	Key     string   `json:"key" xml:"key"`
	Name    string   `json:"name" xml:"name"`
}

type o311Attribute struct {
	XMLName             xml.Name    `json:"-" xml:"attribute"`
	Variable            bool        `json:"variable" xml:"variable"`
	Code                string      `json:"code" xml:"code"`
	Datatype            string      `json:"datatype" xml:"datatype"`
	Required            bool        `json:"required" xml:"required"`
	DatatypeDescription string      `json:"datatype_description" xml:"datatype_description"`
	Order               int         `json:"order" xml:"order"`
	Description         string      `json:"description" xml:"description"`
	Values              []o311Value `json:"values" xml:"values>value"`
}

type o311Definition struct {
	XMLName     xml.Name        `json:"-" xml:"service_definition"`
	ServiceCode string          `json:"service_code" xml:"service_code"`
	Attributes  []o311Attribute `json:"attributes" xml:"attributes>attribute"`
}

func (s *Server) open311ServiceDefinition(c *fiber.Ctx) error {
	format, ok := open311Format(c)
	if !ok {
		return s.open311Error(c, fiber.StatusNotFound, s.t(c, "error.404.api"))
	}
	ctx := c.UserContext()
	code := strings.Clone(c.Params("code"))
	cats, err := s.Store.ListCategories(ctx)
	if err != nil {
		return s.open311Fail(c, err)
	}
	found := false
	for _, k := range cats {
		found = found || k.Code == code
	}
	if !found {
		return s.open311Error(c, fiber.StatusNotFound, s.t(c, "open311.unknown_service"))
	}
	areas, err := s.Store.ListAreas(ctx)
	if err != nil {
		return s.open311Fail(c, err)
	}
	areaValues := make([]o311Value, 0, len(areas))
	for _, a := range areas {
		areaValues = append(areaValues, o311Value{Key: a.Code, Name: a.Name})
	}
	d := o311Definition{ServiceCode: code, Attributes: []o311Attribute{
		{Variable: true, Code: "area", Datatype: "singlevaluelist", Required: false, Order: 1,
			DatatypeDescription: s.t(c, "open311.attr.area.datatype"), Description: s.t(c, "open311.attr.area"), Values: areaValues},
		{Variable: true, Code: "kind", Datatype: "singlevaluelist", Required: false, Order: 2,
			DatatypeDescription: s.t(c, "open311.attr.kind.datatype"), Description: s.t(c, "open311.attr.kind"),
			Values: []o311Value{
				{Key: models.KindComplaint, Name: s.t(c, "kind.complaint")},
				{Key: models.KindRecommendation, Name: s.t(c, "kind.recommendation")},
			}},
	}}
	procs, err := s.Store.ListProcedures(ctx)
	if err != nil {
		return s.open311Fail(c, err)
	}
	procValues := make([]o311Value, 0, len(procs))
	for _, p := range procs {
		procValues = append(procValues, o311Value{Key: p.Code, Name: p.Name})
	}
	d.Attributes = append(d.Attributes,
		o311Attribute{Variable: true, Code: "procedure_code", Datatype: "singlevaluelist", Required: false, Order: 3,
			DatatypeDescription: s.t(c, "open311.attr.procedure_code.datatype"), Description: s.t(c, "open311.attr.procedure_code"), Values: procValues},
		o311Attribute{Variable: true, Code: "dossier_code", Datatype: "string", Required: false, Order: 4,
			DatatypeDescription: s.t(c, "open311.attr.dossier_code.datatype"), Description: s.t(c, "open311.attr.dossier_code"), Values: []o311Value{}})
	return s.open311Send(c, format, d, d)
}

// o311Request is a service request as GET shows it. Nullable fields are
// pointers: the spec's JSON carries them as null, its XML leaves them out.
type o311Request struct {
	XMLName           xml.Name `json:"-" xml:"request"`
	ServiceRequestID  string   `json:"service_request_id" xml:"service_request_id"`
	Status            string   `json:"status" xml:"status"`
	StatusNotes       *string  `json:"status_notes" xml:"status_notes,omitempty"`
	ServiceName       *string  `json:"service_name" xml:"service_name,omitempty"`
	ServiceCode       string   `json:"service_code" xml:"service_code"`
	Description       *string  `json:"description" xml:"description,omitempty"`
	AgencyResponsible *string  `json:"agency_responsible" xml:"agency_responsible,omitempty"`
	ServiceNotice     *string  `json:"service_notice" xml:"service_notice,omitempty"`
	RequestedDatetime string   `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime   *string  `json:"updated_datetime" xml:"updated_datetime,omitempty"`
	ExpectedDatetime  *string  `json:"expected_datetime" xml:"expected_datetime,omitempty"`
	Address           *string  `json:"address" xml:"address,omitempty"`
	AddressID         *string  `json:"address_id" xml:"address_id,omitempty"`
	Zipcode           *string  `json:"zipcode" xml:"zipcode,omitempty"`
	Lat               *float64 `json:"lat" xml:"lat,omitempty"`
	Long              *float64 `json:"long" xml:"long,omitempty"`
	MediaURL          *string  `json:"media_url" xml:"media_url,omitempty"`
}

type o311Requests struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []o311Request `xml:"request"`
}

func strPtr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// open311Status maps PAKN's states to the spec's two.
func open311Status(status string) string {
	for _, st := range models.ClosedStatuses {
		if st == status {
			return "closed"
		}
	}
	return "open"
}

// maxDescription is the schema's limit on description (code points).
const maxDescription = 4000

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func (s *Server) toO311(c *fiber.Ctx, p models.PublicRequest) o311Request {
	r := o311Request{
		ServiceRequestID: p.Code, Status: open311Status(p.Status), ServiceCode: p.CategoryCode,
		ServiceName: strPtr(p.CategoryName), AgencyResponsible: strPtr(p.UnitName),
		RequestedDatetime: formatTime(&p.ReceivedAt), UpdatedDatetime: strPtr(formatTime(&p.UpdatedAt)),
		Lat: p.Lat, Long: p.Long,
	}
	notes := s.t(c, "status."+p.Status)
	if p.Status == models.StatusPublished && p.Answer != "" {
		notes = p.Answer
	}
	r.StatusNotes = &notes
	if p.Question != "" {
		d := p.Question
		if p.Title != "" {
			d = p.Title + "\n\n" + d // the spec has no title field
		}
		r.Description = strPtr(clip(d, maxDescription))
	}
	if r.Status == "open" && p.DueStage != models.StageInfo {
		r.ExpectedDatetime = strPtr(formatTime(p.DueAt))
	}
	return r
}

// parseOpen311Time reads the spec's W3C date-times (a date alone too).
func parseOpen311Time(v string) (*time.Time, bool) {
	if v == "" {
		return nil, true
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		loc := workdays.VietnamLocation()
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return &t, true
		}
	}
	return nil, false
}

func (s *Server) open311Requests(c *fiber.Ctx) error {
	format, ok := open311Format(c)
	if !ok {
		return s.open311Error(c, fiber.StatusNotFound, s.t(c, "error.404.api"))
	}
	f := models.Open311Filter{ServiceCode: strings.Clone(c.Query("service_code"))}
	for _, id := range strings.Split(c.Query("service_request_id"), ",") {
		if id = strings.TrimSpace(id); id != "" {
			f.Codes = append(f.Codes, models.NormalizeCode(id))
		}
	}
	if len(f.Codes) > models.Open311MaxRequests {
		return s.open311Error(c, fiber.StatusBadRequest, "service_request_id: "+s.t(c, "err.too_long", "max", models.Open311MaxRequests))
	}
	var bad []string
	var okT bool
	if f.Start, okT = parseOpen311Time(c.Query("start_date")); !okT {
		bad = append(bad, "start_date: "+s.t(c, "open311.bad_date"))
	}
	if f.End, okT = parseOpen311Time(c.Query("end_date")); !okT {
		bad = append(bad, "end_date: "+s.t(c, "open311.bad_date"))
	}
	switch st := strings.ReplaceAll(strings.ToLower(c.Query("status")), " ", ""); st {
	case "", "open,closed", "closed,open":
	case "open", "closed":
		f.Status = st
	default:
		bad = append(bad, "status: "+s.t(c, "open311.bad_status"))
	}
	if len(bad) > 0 {
		return s.open311Error(c, fiber.StatusBadRequest, bad...)
	}
	rows, err := s.Store.Open311Requests(c.UserContext(), f)
	if err != nil {
		return s.open311Fail(c, err)
	}
	out := make([]o311Request, 0, len(rows))
	for _, p := range rows {
		out = append(out, s.toO311(c, p))
	}
	return s.open311Send(c, format, out, o311Requests{Requests: out})
}

func (s *Server) open311Request(c *fiber.Ctx) error {
	format, ok := open311Format(c)
	if !ok {
		return s.open311Error(c, fiber.StatusNotFound, s.t(c, "error.404.api"))
	}
	p, err := s.Store.Open311Request(c.UserContext(), strings.Clone(c.Params("id")))
	if err != nil {
		return s.open311Fail(c, err)
	}
	out := []o311Request{s.toO311(c, *p)}
	return s.open311Send(c, format, out, o311Requests{Requests: out})
}

// open311Key checks api_key (form field or query): missing or wrong is 403.
func (s *Server) open311Key(c *fiber.Ctx) error {
	key := strings.Clone(c.FormValue("api_key"))
	if key == "" {
		key = strings.Clone(c.Query("api_key"))
	}
	k, err := s.Store.AuthenticateAPIKey(c.UserContext(), key)
	if errors.Is(err, models.ErrForbidden) {
		return s.open311Error(c, fiber.StatusForbidden, s.t(c, "open311.bad_key"))
	}
	if err != nil {
		return s.open311Fail(c, err)
	}
	c.Locals("api_key", k)
	return c.Next()
}

// keyLimiters hold one Fiber limiter per API key, each with the key's own
// limit per minute (Fiber's limiter has one Max per instance).
type keyLimiters struct {
	mu    sync.Mutex
	byKey map[int64]fiber.Handler
}

func (kl *keyLimiters) limit(c *fiber.Ctx) error {
	k, _ := c.Locals("api_key").(*models.APIKey)
	if k == nil {
		return fiber.ErrForbidden
	}
	kl.mu.Lock()
	h, ok := kl.byKey[k.ID]
	if !ok {
		n := k.RateLimit
		if n <= 0 {
			n = models.DefaultAPIKeyRate
		}
		id := strconv.FormatInt(k.ID, 10)
		h = limiter.New(limiter.Config{
			Max: n, Expiration: time.Minute,
			KeyGenerator: func(*fiber.Ctx) string { return "open311-key|" + id },
			LimitReached: func(c *fiber.Ctx) error {
				if c.GetRespHeader(fiber.HeaderRetryAfter) == "" {
					c.Set(fiber.HeaderRetryAfter, "60")
				}
				return &fiber.Error{Code: fiber.StatusTooManyRequests, Message: "rate limit"}
			},
		})
		kl.byKey[k.ID] = h
	}
	kl.mu.Unlock()
	err := h(c)
	var fe *fiber.Error
	if errors.As(err, &fe) && fe.Code == fiber.StatusTooManyRequests {
		c.Status(fiber.StatusTooManyRequests)
		secs := c.GetRespHeader(fiber.HeaderRetryAfter)
		desc := "Too many requests for this api_key; retry after " + secs + " s"
		if strings.HasSuffix(c.Path(), ".xml") {
			return sendXML(c, o311Errors{Errors: []o311Error{{Code: 429, Description: desc}}})
		}
		return c.JSON([]o311Error{{Code: 429, Description: desc}})
	}
	return err
}

type o311Created struct {
	XMLName          xml.Name `json:"-" xml:"request"`
	ServiceRequestID string   `json:"service_request_id" xml:"service_request_id"`
	ServiceNotice    string   `json:"service_notice" xml:"service_notice"`
	AccountID        *string  `json:"account_id" xml:"account_id"`
}

type o311CreatedList struct {
	XMLName  xml.Name      `xml:"service_requests"`
	Requests []o311Created `xml:"request"`
}

// open311Fields maps SubmitInput's field names to the spec's.
var open311Fields = map[string]string{
	"kind": "attribute[kind]", "title": "description", "content": "description", "category": "service_code",
	"area": "attribute[area]", "address": "address_string", "lat": "lat", "long": "long",
	"petitioner.name": "first_name, last_name", "petitioner.phone": "phone", "petitioner.email": "email",
	"petitioner.address": "address", "petitioner.organization": "organization",
	"dossier_code": "attribute[dossier_code]", "procedure_code": "attribute[procedure_code]",
}

// open311Create is POST requests.json: an ordinary petition, routed,
// tracked and with deadlines, from the key holder's channel. The answer
// goes to the submitting client only, so the service_notice carries the
// tracking secret (shown this once; without it the citizen could not follow
// the case), and the response is never cached.
func (s *Server) open311Create(c *fiber.Ctx) error {
	format, ok := open311Format(c)
	if !ok {
		return s.open311Error(c, fiber.StatusNotFound, s.t(c, "error.404.api"))
	}
	fv := func(k string) string { return strings.Clone(strings.TrimSpace(c.FormValue(k))) }
	var bad []string
	num := func(name string) *float64 {
		v := fv(name)
		if v == "" {
			return nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			bad = append(bad, name+": "+s.t(c, "err.type"))
			return nil
		}
		return &f
	}
	if fv("service_code") == "" {
		bad = append(bad, "service_code: "+s.t(c, "err.required"))
	}
	kind := strings.ToLower(fv("attribute[kind]"))
	if kind == "" {
		kind = models.KindComplaint
	}
	in := models.SubmitInput{
		Kind: kind, Content: fv("description"), Category: fv("service_code"), Area: fv("attribute[area]"),
		Address: fv("address_string"), Lat: num("lat"), Long: num("long"),
		Petitioner: models.PetitionerInput{
			Name:  strings.TrimSpace(fv("first_name") + " " + fv("last_name")),
			Phone: fv("phone"), Email: fv("email"),
		},
		DossierCode: fv("attribute[dossier_code]"), ProcedureCode: fv("attribute[procedure_code]"),
		Channel: models.ChannelOpen311, Language: langOf(c), OptionalAddress: true,
	}
	if len(bad) > 0 {
		return s.open311Error(c, fiber.StatusBadRequest, bad...)
	}
	sub, err := s.Store.SubmitPetition(c.UserContext(), in)
	if verr, ok := models.AsValidation(err); ok {
		for _, f := range s.translateFields(c, verr) {
			name := open311Fields[f.Field]
			if name == "" {
				name = f.Field
			}
			bad = append(bad, name+": "+f.Message)
		}
		return s.open311Error(c, fiber.StatusBadRequest, bad...)
	}
	if err != nil {
		return s.open311Fail(c, err)
	}
	s.metrics.submitted(models.ChannelOpen311)
	c.Set(fiber.HeaderCacheControl, "no-store")
	notice := s.t(c, "open311.notice", "unit", sub.Unit.Name, "due", formatDate(sub.Petition.DueAt), "secret", sub.Secret)
	out := []o311Created{{ServiceRequestID: sub.Petition.Code, ServiceNotice: notice}}
	c.Status(fiber.StatusCreated)
	return s.open311Send(c, format, out, o311CreatedList{Requests: out})
}

func formatDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(workdays.VietnamLocation()).Format("02/01/2006")
}
