package app

import (
	"github.com/gofiber/fiber/v2"
)

type categoryJSON struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"name_en,omitempty"`
	Local  bool   `json:"local"`
}

func (s *Server) apiCategories(c *fiber.Ctx) error {
	cats, err := s.Store.ListCategories(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]categoryJSON, 0, len(cats))
	for _, k := range cats {
		out = append(out, categoryJSON{Code: k.Code, Name: k.Name, NameEn: k.NameEn, Local: k.Local})
	}
	return c.JSON(out)
}

type unitJSON struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Kind   string `json:"kind"`
	Parent string `json:"parent,omitempty"`
}

func (s *Server) apiUnits(c *fiber.Ctx) error {
	units, err := s.Store.ListUnits(c.UserContext())
	if err != nil {
		return err
	}
	codes := map[int64]string{}
	for _, u := range units {
		codes[u.ID] = u.Code
	}
	out := make([]unitJSON, 0, len(units))
	for _, u := range units {
		j := unitJSON{Code: u.Code, Name: u.Name, Kind: u.Kind}
		if u.ParentID != nil {
			j.Parent = codes[*u.ParentID]
		}
		out = append(out, j)
	}
	return c.JSON(out)
}

type areaJSON struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Unit string `json:"unit,omitempty"`
}

func (s *Server) apiAreas(c *fiber.Ctx) error {
	ctx := c.UserContext()
	areas, err := s.Store.ListAreas(ctx)
	if err != nil {
		return err
	}
	units, err := s.Store.ListUnits(ctx)
	if err != nil {
		return err
	}
	codes := map[int64]string{}
	for _, u := range units {
		codes[u.ID] = u.Code
	}
	out := make([]areaJSON, 0, len(areas))
	for _, a := range areas {
		j := areaJSON{Code: a.Code, Name: a.Name}
		if a.UnitID != nil {
			j.Unit = codes[*a.UnitID]
		}
		out = append(out, j)
	}
	return c.JSON(out)
}
