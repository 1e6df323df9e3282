// Package views holds the HTML templates, static assets and message
// catalogs, embedded in the binary.
package views

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed templates static i18n mail
var files embed.FS

// Templates is the folder of page templates.
func Templates() fs.FS {
	sub, err := fs.Sub(files, "templates")
	if err != nil {
		panic(err)
	}
	return sub
}

// Mail is the folder of e-mail layouts (text and HTML).
func Mail() fs.FS {
	sub, err := fs.Sub(files, "mail")
	if err != nil {
		panic(err)
	}
	return sub
}

// Static is the folder of assets served under /static.
func Static() fs.FS {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err)
	}
	return sub
}

// StaticFile reads one embedded asset.
func StaticFile(name string) ([]byte, error) {
	return files.ReadFile("static/" + name)
}

// Languages the interface speaks; the first is the default.
var Languages = []string{"vi", "en"}

// Catalog holds the interface messages of every language.
type Catalog struct {
	msgs map[string]map[string]string
}

// LoadCatalog reads the embedded message files and checks that every
// language has every key, so a missing translation fails at start-up.
func LoadCatalog() (*Catalog, error) {
	c := &Catalog{msgs: map[string]map[string]string{}}
	// Each part of the app keeps its own catalog file per language
	// (i18n/<part>.<lang>.json, or i18n/<lang>.json for the common words).
	entries, err := fs.ReadDir(files, "i18n")
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	for _, lang := range Languages {
		c.msgs[lang] = map[string]string{}
	}
	for _, e := range entries {
		name := e.Name()
		parts := strings.Split(strings.TrimSuffix(name, ".json"), ".")
		lang := parts[len(parts)-1]
		m, ok := c.msgs[lang]
		if !ok || !strings.HasSuffix(name, ".json") {
			continue
		}
		raw, err := files.ReadFile("i18n/" + name)
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", name, err)
		}
		part := map[string]string{}
		if err := json.Unmarshal(raw, &part); err != nil {
			return nil, fmt.Errorf("catalog %s: %w", name, err)
		}
		for k, v := range part {
			if _, dup := m[k]; dup {
				return nil, fmt.Errorf("catalog %s: key %q is defined twice", name, k)
			}
			m[k] = v
		}
	}
	var missing []string
	for k := range c.msgs["vi"] {
		for _, lang := range Languages[1:] {
			if _, ok := c.msgs[lang][k]; !ok {
				missing = append(missing, lang+":"+k)
			}
		}
	}
	for _, lang := range Languages[1:] {
		for k := range c.msgs[lang] {
			if _, ok := c.msgs["vi"][k]; !ok {
				missing = append(missing, "vi:"+k)
			}
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("catalog: missing translations: %s", strings.Join(missing, ", "))
	}
	return c, nil
}

// T translates key into lang, filling {name} placeholders from params given
// as name, value pairs. An unknown key shows itself, to be noticed.
func (c *Catalog) T(lang, key string, params ...any) string {
	m, ok := c.msgs[lang]
	if !ok {
		m = c.msgs["vi"]
	}
	s, ok := m[key]
	if !ok {
		return key
	}
	for i := 0; i+1 < len(params); i += 2 {
		s = strings.ReplaceAll(s, "{"+fmt.Sprint(params[i])+"}", fmt.Sprint(params[i+1]))
	}
	return s
}

// TMap translates with a map of parameters (field errors carry these).
func (c *Catalog) TMap(lang, key string, params map[string]any) string {
	var kv []any
	for k, v := range params {
		kv = append(kv, k, v)
	}
	return c.T(lang, key, kv...)
}

// Has tells whether a key exists.
func (c *Catalog) Has(key string) bool {
	_, ok := c.msgs["vi"][key]
	return ok
}

// AssetVersion is a short hash of the static files, appended to their URLs
// so that browsers fetch new assets after an upgrade.
func AssetVersion() string {
	h := sha256.New()
	_ = fs.WalkDir(files, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:10]
}
