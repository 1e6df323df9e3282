package app

import (
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"pakn/models"
	"pakn/models/workdays"
)

// apiFieldErrors answers 400 with one entry per invalid field.
func (s *Server) apiFieldErrors(c *fiber.Ctx, verr *models.ValidationError) error {
	return c.Status(fiber.StatusBadRequest).JSON(fiber.Map{"errors": s.translateFields(c, verr)})
}

// decodeJSON reads a JSON body (one value, nothing after it), turning type
// mistakes into field errors.
func (s *Server) decodeJSON(c *fiber.Ctx, dst any) *models.ValidationError {
	if err := json.Unmarshal(c.Body(), dst); err != nil {
		v := &models.ValidationError{}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			v.Add(te.Field, "err.type", nil)
		} else {
			v.Add("body", "err.json", nil)
		}
		return v
	}
	return nil
}

type unitRef struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type createdPetition struct {
	Code   string  `json:"code"`
	Secret string  `json:"secret"`
	Status string  `json:"status"`
	Unit   unitRef `json:"unit"`
	DueAt  string  `json:"due_at"`
}

func (s *Server) apiCreatePetition(c *fiber.Ctx) error {
	var in models.SubmitInput
	if verr := s.decodeJSON(c, &in); verr != nil {
		return s.apiFieldErrors(c, verr)
	}
	in.Channel = models.ChannelAPI
	in.Language = langOf(c)
	sub, err := s.Store.SubmitPetition(c.UserContext(), in)
	if verr, ok := models.AsValidation(err); ok {
		return s.apiFieldErrors(c, verr)
	}
	if err != nil {
		return err
	}
	s.metrics.submitted(models.ChannelAPI)
	c.Location("/api/v1/petitions/" + sub.Petition.Code)
	showsSecret(c)
	return c.Status(fiber.StatusCreated).JSON(createdPetition{
		Code: sub.Petition.Code, Secret: sub.Secret, Status: sub.Petition.Status,
		Unit:  unitRef{Code: sub.Unit.Code, Name: sub.Unit.Name},
		DueAt: formatTime(sub.Petition.DueAt),
	})
}

// formatTime writes RFC 3339 in Vietnam time, or "" for none.
func formatTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.In(workdays.VietnamLocation()).Format(time.RFC3339)
}

type timelineEntry struct {
	At          string `json:"at"`
	Type        string `json:"type"`
	Description string `json:"description"`
}

type trackedJSON struct {
	Code       string          `json:"code"`
	Kind       string          `json:"kind"`
	Title      string          `json:"title"`
	Status     string          `json:"status"`
	StatusText string          `json:"status_text"`
	Category   unitRef         `json:"category"`
	Unit       unitRef         `json:"unit"`
	ReceivedAt string          `json:"received_at"`
	DueAt      string          `json:"due_at,omitempty"`
	Timeline   []timelineEntry `json:"timeline"`
	Answer     *answerJSON     `json:"answer,omitempty"`
	Joined     *joinedJSON     `json:"joined,omitempty"`
}

// joinedJSON is what a duplicate's petitioner sees of the original: its
// code and, once published, its public answer; never its private answer.
type joinedJSON struct {
	Original     string           `json:"original"`
	PublicAnswer *publicAnswerRef `json:"public_answer,omitempty"`
}

type publicAnswerRef struct {
	Text        string `json:"text"`
	PublishedAt string `json:"published_at"`
	URL         string `json:"url"`
}

type answerJSON struct {
	Text       string `json:"text"`
	AnsweredAt string `json:"answered_at"`
}

func (s *Server) apiGetPetition(c *fiber.Ctx) error {
	code := models.NormalizeCode(strings.Clone(c.Params("code")))
	secret := strings.Clone(c.Get("X-PAKN-Secret"))
	if secret == "" {
		secret = strings.Clone(c.Query("secret"))
	}
	tp, err := s.Store.PetitionForCitizen(c.UserContext(), code, secret)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(s.trackedToJSON(c, tp))
}

func (s *Server) trackedToJSON(c *fiber.Ctx, tp *models.TrackedPetition) trackedJSON {
	p := tp.Petition
	out := trackedJSON{
		Code: p.Code, Kind: p.Kind, Title: p.Title, Status: p.Status,
		StatusText: s.t(c, "status."+p.Status),
		Category:   unitRef{Code: tp.Category.Code, Name: tp.Category.Name},
		Unit:       unitRef{Code: tp.Unit.Code, Name: tp.Unit.Name},
		ReceivedAt: formatTime(&p.ReceivedAt),
		DueAt:      formatTime(p.DueAt),
		Timeline:   []timelineEntry{},
	}
	for _, e := range tp.Timeline {
		d := s.t(c, "event."+e.Type)
		switch e.Type {
		case "routed", "transferred", "rejected", "info_requested", "extended":
			if e.Note != "" {
				d += ": " + e.Note
			}
		}
		out.Timeline = append(out.Timeline, timelineEntry{At: formatTime(&e.At), Type: e.Type, Description: d})
	}
	if p.AnswerVisible() {
		out.Answer = &answerJSON{Text: p.Answer, AnsweredAt: formatTime(p.AnsweredAt)}
	}
	if j := tp.Joined; j != nil {
		out.Joined = &joinedJSON{Original: j.OriginalCode}
		if it := j.Public; it != nil {
			out.Joined.PublicAnswer = &publicAnswerRef{Text: it.Answer, PublishedAt: formatTime(&it.PublishedAt),
				URL: s.Config.BaseURL + "/qa/" + it.ID}
		}
	}
	return out
}
