package app

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
	"pakn/models/workdays"
	"pakn/search"
)

// nameCache maps category and unit codes to names for facets; refreshed
// each minute (they change rarely, and every search needs them). The zero
// value is ready.
type nameCache struct {
	mu          sync.Mutex
	at          time.Time
	cats, units map[string]string
}

func (n *nameCache) get(ctx context.Context, store *models.Store) (cats, units map[string]string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cats == nil || time.Since(n.at) > time.Minute {
		c, u, err := store.NameMaps(ctx)
		if err == nil {
			n.cats, n.units, n.at = c, u, time.Now()
		} else if n.cats == nil {
			return map[string]string{}, map[string]string{}
		}
	}
	return n.cats, n.units
}

// searchQuery reads the query string; bad says which parameter is invalid.
func searchQuery(c *fiber.Ctx) (q search.Query, bad string) {
	q = search.Query{
		Text:     strings.Clone(c.Query("q")),
		Category: strings.Clone(c.Query("category")),
		Unit:     strings.Clone(c.Query("unit")),
		Type:     strings.Clone(c.Query("type")),
		Sort:     strings.Clone(c.Query("sort")),
	}
	var err error
	if v := c.Query("page"); v != "" {
		if q.Page, err = strconv.Atoi(v); err != nil || q.Page < 1 {
			bad, q.Page = "page", 1
		}
	}
	if v := c.Query("per_page"); v != "" {
		if q.PerPage, err = strconv.Atoi(v); err != nil || q.PerPage < 1 {
			bad, q.PerPage = "per_page", 0
		}
	}
	switch q.Type {
	case "", models.ItemFAQ, models.ItemAnswer:
	default:
		bad, q.Type = "type", ""
	}
	switch q.Sort {
	case "", "relevance", "date":
	default:
		bad, q.Sort = "sort", ""
	}
	return q, bad
}

type apiHit struct {
	ID           string   `json:"id"`
	Ref          string   `json:"ref"`
	Type         string   `json:"type"`
	Title        string   `json:"title"`
	Question     string   `json:"question"`
	Answer       string   `json:"answer"`
	Category     string   `json:"category"`
	CategoryName string   `json:"category_name"`
	Unit         string   `json:"unit"`
	UnitName     string   `json:"unit_name"`
	Level        string   `json:"level"`
	PublishedAt  string   `json:"published_at"`
	URL          string   `json:"url"`
	Score        float64  `json:"score"`
	Highlights   []string `json:"highlights"`
}

type apiFacet struct {
	Term  string `json:"term"`
	Count int    `json:"count"`
	Name  string `json:"name,omitempty"`
}

type apiSearchResult struct {
	Total   uint64                `json:"total"`
	Page    int                   `json:"page"`
	PerPage int                   `json:"per_page"`
	Hits    []apiHit              `json:"hits"`
	Facets  map[string][]apiFacet `json:"facets"`
}

// hitTitle is what a hit is listed as: an answer's title, or the start
// of an FAQ entry's question.
func hitTitle(it search.Item) string {
	if it.Title != "" {
		return it.Title
	}
	return models.FirstWords(it.Question, 20)
}

func (s *Server) runSearch(c *fiber.Ctx, q search.Query) (search.Result, error) {
	if s.Search == nil {
		return search.Result{}, fiber.NewError(fiber.StatusServiceUnavailable, "search is not available")
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 5*time.Second)
	defer cancel()
	return s.Search.Search(ctx, q)
}

func (s *Server) apiSearch(c *fiber.Ctx) error {
	q, bad := searchQuery(c)
	if bad != "" {
		return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"errors": []fiber.Map{{"field": bad, "message": s.t(c, "err.type")}}})
	}
	res, err := s.runSearch(c, q)
	if err != nil {
		return err
	}
	cats, units := s.searchNames.get(c.UserContext(), s.Store)
	out := apiSearchResult{Total: res.Total, Page: res.Page, PerPage: res.PerPage, Hits: make([]apiHit, 0, len(res.Hits)),
		Facets: map[string][]apiFacet{}}
	for _, h := range res.Hits {
		hl := h.Highlights
		if hl == nil {
			hl = []string{}
		}
		out.Hits = append(out.Hits, apiHit{
			ID: h.ID, Ref: h.Ref, Type: h.Type, Title: hitTitle(h.Item), Question: h.Question, Answer: h.Answer,
			Category: h.Category, CategoryName: h.CategoryName, Unit: h.Unit, UnitName: h.UnitName, Level: h.Level,
			PublishedAt: h.PublishedAt.In(workdays.VietnamLocation()).Format(time.RFC3339),
			URL:         s.Config.BaseURL + h.URL, Score: h.Score, Highlights: hl,
		})
	}
	for _, name := range []string{"category", "unit", "type"} {
		fs := []apiFacet{}
		for _, f := range res.Facets[name] {
			af := apiFacet{Term: f.Term, Count: f.Count}
			switch name {
			case "category":
				af.Name = cats[f.Term]
			case "unit":
				af.Name = units[f.Term]
			}
			fs = append(fs, af)
		}
		out.Facets[name] = fs
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Response().Header.SetContentType(fiber.MIMEApplicationJSON)
	// encoding/json: the hand-written encoder it replaced saved 1–2 % of
	// a request's CPU (BENCHMARKS.md, issue 14), under the 5 % that would
	// pay for keeping one.
	body, err := json.Marshal(out)
	if err != nil {
		return fmt.Errorf("search answer: %w", err)
	}
	c.Response().SetBody(body)
	return nil
}

// Page views.

type hitView struct {
	search.Hit
	Title      string
	Link       string
	Fragments  []template.HTML
	Category   string
	Unit       string
	TypeKey    string
	Published  time.Time
	HasExcerpt bool
}

type facetLink struct {
	Label  string
	Count  int
	URL    string
	Active bool
}

type facetGroup struct {
	Key      string // catalog key of the heading
	Links    []facetLink
	ClearURL string
}

// withParam returns the query string of vals with key set (or removed when
// value is empty), back on page 1.
func withParam(vals url.Values, key, value string) string {
	v := url.Values{}
	for k, vs := range vals {
		v[k] = append([]string(nil), vs...)
	}
	v.Del("page")
	if value == "" {
		v.Del(key)
	} else {
		v.Set(key, value)
	}
	if len(v) == 0 {
		return "/search"
	}
	return "/search?" + v.Encode()
}

func (s *Server) searchPage(c *fiber.Ctx) error {
	q, _ := searchQuery(c)
	if q.PerPage == 0 {
		q.PerPage = search.DefaultPerPage
	}
	vals := url.Values{}
	for k, v := range map[string]string{"q": q.Text, "category": q.Category, "unit": q.Unit, "type": q.Type, "sort": q.Sort} {
		if v != "" {
			vals.Set(k, v)
		}
	}
	data := fiber.Map{"Q": q.Text, "Query": q, "Sort": q.Sort}
	searched := strings.TrimSpace(q.Text) != "" || q.Category != "" || q.Unit != "" || q.Type != ""
	data["Searched"] = searched
	if !searched {
		return s.render(c, fiber.StatusOK, "search", s.t(c, "search.heading"), data)
	}
	res, err := s.runSearch(c, q)
	if err != nil {
		return err
	}
	cats, units := s.searchNames.get(c.UserContext(), s.Store)
	hits := s.hitViews(res.Hits, cats, units)
	var groups []facetGroup
	for _, g := range []struct {
		name, key, current string
		names              map[string]string
	}{
		{"category", "search.facet.category", q.Category, cats},
		{"unit", "search.facet.unit", q.Unit, units},
		{"type", "search.facet.type", q.Type, nil},
	} {
		fg := facetGroup{Key: g.key}
		if g.current != "" {
			fg.ClearURL = withParam(vals, g.name, "")
		}
		for _, f := range res.Facets[g.name] {
			label := f.Term
			if g.names != nil && g.names[f.Term] != "" {
				label = g.names[f.Term]
			} else if g.name == "type" {
				label = s.t(c, "qa.type."+f.Term)
			}
			fg.Links = append(fg.Links, facetLink{Label: label, Count: f.Count, URL: withParam(vals, g.name, f.Term), Active: f.Term == g.current})
		}
		if len(fg.Links) > 0 {
			groups = append(groups, fg)
		}
	}
	pages := int((res.Total + uint64(res.PerPage) - 1) / uint64(res.PerPage))
	pages = min(pages, 1000)
	pageURL := func(p int) string {
		v := url.Values{}
		for k, vs := range vals {
			v[k] = vs
		}
		if p > 1 {
			v.Set("page", strconv.Itoa(p))
		}
		return "/search?" + v.Encode()
	}
	if res.Page > 1 {
		data["PrevURL"] = pageURL(res.Page - 1)
	}
	if res.Page < pages {
		data["NextURL"] = pageURL(res.Page + 1)
	}
	data["Hits"] = hits
	data["Total"] = res.Total
	data["Page"] = res.Page
	data["Pages"] = pages
	data["Facets"] = groups
	data["SortRelevanceURL"] = withParam(vals, "sort", "")
	data["SortDateURL"] = withParam(vals, "sort", "date")
	data["SubmitURL"] = "/submit"
	if res.Total == 0 && strings.TrimSpace(q.Text) != "" {
		s.nothingFound(c, q, vals, cats, data)
	}
	status := fiber.StatusOK
	return s.render(c, status, "search", s.t(c, "search.heading"), data)
}

// nothingFound fills the "nothing found" page: a corrected query when a
// word looked mistyped, the closest categories, and /submit with the query
// as the title.
func (s *Server) nothingFound(c *fiber.Ctx, q search.Query, vals url.Values, cats map[string]string, data fiber.Map) {
	data["SubmitURL"] = "/submit?" + url.Values{"title": {firstRunes(strings.TrimSpace(q.Text), models.MaxTitle)}}.Encode()
	if s.Search == nil || s.Search.Index == nil {
		return
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 5*time.Second)
	defer cancel()
	sug, err := s.Search.Index.Suggest(ctx, q.Text)
	if err != nil {
		s.Log.Warn("search suggestion failed", "err", err)
		return
	}
	if sug.Text != "" {
		data["Correction"] = sug.Text
		data["CorrectionURL"] = withParam(vals, "q", sug.Text)
	}
	var links []facetLink
	for _, code := range sug.Categories {
		name := cats[code]
		if name == "" {
			name = code
		}
		links = append(links, facetLink{Label: name, URL: "/faq?category=" + url.QueryEscape(code)})
	}
	data["NearCategories"] = links
}

// relatedMax is how many related answers an answer page lists.
const relatedMax = 5

type relatedLink struct {
	Title, Link string
}

// related lists answers close to it's question (none when search is off
// or fails: the page does not depend on it).
func (s *Server) related(c *fiber.Ctx, it *models.PublishedItem, title string) []relatedLink {
	if s.Search == nil || s.Search.Index == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	hits, err := s.Search.Index.Related(ctx, it.ID, title+" "+it.Question, relatedMax)
	if err != nil {
		s.Log.Warn("related answers failed", "item", it.ID, "err", err)
		return nil
	}
	out := make([]relatedLink, 0, len(hits))
	for _, h := range hits {
		out = append(out, relatedLink{Title: hitTitle(h.Item), Link: h.URL})
	}
	return out
}

func (s *Server) qaItemPage(c *fiber.Ctx) error {
	id := strings.Clone(c.Params("id"))
	it, err := s.Store.PublicItem(c.UserContext(), id)
	if err != nil {
		return err
	}
	title := publicTitle(it)
	data := fiber.Map{"Item": it, "Heading": title, "TypeKey": "qa.type." + it.Type, "JSONLD": s.qaJSONLD(it, title),
		"Related": s.related(c, it, title)}
	if it.NoIndex {
		data["NoIndex"] = true
		c.Set("X-Robots-Tag", "noindex")
	}
	return s.render(c, fiber.StatusOK, "qa_item", title, data)
}

// qaJSONLD is schema.org's description of an answer page (QAPage) or an
// FAQ entry's (FAQPage), for search engines.
func (s *Server) qaJSONLD(it *models.PublishedItem, title string) map[string]any {
	at := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.In(workdays.VietnamLocation()).Format(time.RFC3339)
	}
	pageURL := s.Config.BaseURL + "/qa/" + url.PathEscape(it.ID)
	answer := map[string]any{
		"@type": "Answer", "text": it.Answer, "url": pageURL,
		"author": map[string]any{"@type": "GovernmentOrganization", "name": it.UnitName},
	}
	question := map[string]any{
		"@type": "Question", "name": title, "text": it.Question, "answerCount": 1,
		"acceptedAnswer": answer,
	}
	if d := at(it.AnsweredAt); d != "" {
		answer["datePublished"] = d
	} else {
		answer["datePublished"] = at(&it.PublishedAt)
	}
	if d := at(it.AskedAt); d != "" {
		question["datePublished"] = d
	} else {
		question["datePublished"] = at(&it.PublishedAt)
	}
	if it.Type == models.ItemFAQ {
		return map[string]any{"@context": "https://schema.org", "@type": "FAQPage", "url": pageURL, "mainEntity": []any{question}}
	}
	return map[string]any{"@context": "https://schema.org", "@type": "QAPage", "url": pageURL, "mainEntity": question}
}

type faqGroup struct {
	Code, Name string
	Items      []models.PublishedItem
}

func (s *Server) faqPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	unit := strings.Clone(c.Query("unit"))
	cat := strings.Clone(c.Query("category"))
	items, err := s.Store.PublicFAQ(ctx, unit, cat)
	if err != nil {
		return err
	}
	var groups []faqGroup
	for _, it := range items {
		if n := len(groups); n == 0 || groups[n-1].Code != it.CategoryCode {
			groups = append(groups, faqGroup{Code: it.CategoryCode, Name: it.CategoryName})
		}
		groups[len(groups)-1].Items = append(groups[len(groups)-1].Items, it)
	}
	byUnit, err := s.Store.PublicFAQCounts(ctx, "unit")
	if err != nil {
		return err
	}
	byCat, err := s.Store.PublicFAQCounts(ctx, "category")
	if err != nil {
		return err
	}
	return s.render(c, fiber.StatusOK, "faq", s.t(c, "faq.heading"), fiber.Map{
		"Groups": groups, "Units": byUnit, "Categories": byCat, "Unit": unit, "Category": cat, "Count": len(items),
	})
}

// hitViews are search hits as pages list them.
func (s *Server) hitViews(res []search.Hit, cats, units map[string]string) []hitView {
	hits := make([]hitView, 0, len(res))
	for _, h := range res {
		hv := hitView{Hit: h, Title: hitTitle(h.Item), Link: h.URL, Category: cats[h.Category], Unit: units[h.Unit],
			TypeKey: "qa.type." + h.Type, Published: h.PublishedAt}
		if hv.Category == "" {
			hv.Category = h.CategoryName
		}
		if hv.Unit == "" {
			hv.Unit = h.UnitName
		}
		// The snippet is from the answer, around the matched words (the
		// question is already the title). Only the search package's
		// output, escaped with <mark> as the only markup, is trusted as
		// HTML.
		if len(h.Highlights) > 2 && h.Highlights[2] != "" {
			hv.Fragments = append(hv.Fragments, template.HTML(h.Highlights[2])) //nolint:gosec
		}
		hv.HasExcerpt = len(hv.Fragments) > 0
		hits = append(hits, hv)
	}
	return hits
}
