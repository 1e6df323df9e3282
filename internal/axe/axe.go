// Package axe checks a page open in a chromedp browser against WCAG 2.1 A
// and AA with axe-core, the accessibility engine that browsers' own tools
// use. axe-core 4.14.1 (from npm, MPL-2.0, see LICENSE.axe-core) is
// embedded, gzipped, so the check needs no network and no Node.js.
//
// Tests only: nothing in the program imports it.
package axe

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

//go:embed axe.min.js.gz
var axeGz []byte

// Tags are the rule sets checked: WCAG 2.0 and 2.1, levels A and AA.
var Tags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// Violation is one rule broken on the page, with the elements that break it.
type Violation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", v.ID, v.Impact, v.Help)
	for i, n := range v.Nodes {
		if i == 3 {
			fmt.Fprintf(&b, "\n    … and %d more", len(v.Nodes)-3)
			break
		}
		fmt.Fprintf(&b, "\n    %v %s", n.Target, n.HTML)
	}
	return b.String()
}

func script() (string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(axeGz))
	if err != nil {
		return "", fmt.Errorf("axe: %w", err)
	}
	src, err := io.ReadAll(zr)
	if err != nil {
		return "", fmt.Errorf("axe: %w", err)
	}
	return string(src), nil
}

// BypassCSP lets the check inject axe-core into pages whose
// Content-Security-Policy forbids inline scripts (PAKN's do). Call it once
// for a browser tab before navigating.
func BypassCSP(ctx context.Context) error {
	_, err := chromedp.Call(ctx, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
	return err
}

// Check runs axe-core on the page the tab shows now and returns what it
// finds. The tab must have been opened with BypassCSP.
func Check(ctx context.Context) ([]Violation, error) {
	src, err := script()
	if err != nil {
		return nil, err
	}
	tags, _ := json.Marshal(Tags)
	run := `(async () => {
  if (!window.axe) { ` + src + ` }
  const r = await axe.run(document, {runOnly: {type: "tag", values: ` + string(tags) + `}, resultTypes: ["violations"]});
  return JSON.stringify(r.violations);
})()`
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("axe: run: %w", err)
	}
	var out []Violation
	if err := json.Unmarshal([]byte(raw), &out); err != nil {
		return nil, fmt.Errorf("axe: result: %w", err)
	}
	return out, nil
}
