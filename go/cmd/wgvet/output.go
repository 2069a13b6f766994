package main

// The three output formats of the standalone command (text, JSON, SARIF
// 2.1.0), and the JSON tree `go vet` reads from a vet tool.

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// relPath is name relative to base when it lies under it, else name.
func relPath(base, name string) string {
	if base == "" {
		return name
	}
	rel, err := filepath.Rel(base, name)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return name
	}
	return rel
}

// writeText: `file:line:col: WG001: message`, one finding a line.
func writeText(w io.Writer, cwd string, fs []Finding) error {
	bw := bufio.NewWriter(w)
	for _, f := range fs {
		fmt.Fprintf(bw, "%s:%d:%d: %s: %s\n", relPath(cwd, f.Pos.Filename), f.Pos.Line, f.Pos.Column, f.Rule, f.Message)
	}
	return bw.Flush()
}

// jsonFinding is one finding of the JSON format.
type jsonFinding struct {
	Rule    string `json:"rule"`
	File    string `json:"file"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

// writeJSON: {"findings":[{"rule","file","line","column","message"}]}.
func writeJSON(w io.Writer, cwd string, fs []Finding) error {
	out := struct {
		Findings []jsonFinding `json:"findings"`
	}{Findings: []jsonFinding{}}
	for _, f := range fs {
		out.Findings = append(out.Findings, jsonFinding{Rule: f.Rule, File: filepath.ToSlash(relPath(cwd, f.Pos.Filename)),
			Line: f.Pos.Line, Column: f.Pos.Column, Message: f.Message})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// ---------------------------------------------------------------------------
// SARIF 2.1.0, with what GitHub code scanning requires: rules with id,
// name, short and full description and help; results with a message, a
// location relative to the repository root (uriBaseId %SRCROOT%) with start
// and end line and column, and partialFingerprints.

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                   `json:"tool"`
	OriginalURIBaseIDs map[string]sarifArtifactLoc `json:"originalUriBaseIds"`
	Results            []sarifResult               `json:"results"`
	ColumnKind         string                      `json:"columnKind"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name            string      `json:"name"`
	InformationURI  string      `json:"informationUri"`
	SemanticVersion string      `json:"semanticVersion"`
	Rules           []sarifRule `json:"rules"`
}

type sarifText struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	ShortDescription     sarifText         `json:"shortDescription"`
	FullDescription      sarifText         `json:"fullDescription"`
	Help                 sarifText         `json:"help"`
	HelpURI              string            `json:"helpUri"`
	DefaultConfiguration map[string]string `json:"defaultConfiguration"`
	Properties           map[string]any    `json:"properties"`
}

type sarifArtifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn"`
	EndLine     int `json:"endLine"`
	EndColumn   int `json:"endColumn"`
}

type sarifLocation struct {
	PhysicalLocation struct {
		ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
		Region           sarifRegion      `json:"region"`
	} `json:"physicalLocation"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
}

// writeSARIF writes fs as SARIF, paths relative to root.
func writeSARIF(w io.Writer, root string, fs []Finding) error {
	log := sarifLog{
		Schema:  "https://json.schemastore.org/sarif-2.1.0.json",
		Version: "2.1.0",
	}
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:            "wgvet",
			InformationURI:  lessonURL,
			SemanticVersion: version,
		}},
		Results:    []sarifResult{},
		ColumnKind: "utf16CodeUnits",
	}
	for _, r := range Rules {
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID:               r.ID,
			Name:             r.Name,
			ShortDescription: sarifText{Text: r.Short},
			FullDescription:  sarifText{Text: r.Full},
			Help: sarifText{
				Text:     r.Full + "\n\n" + r.Example + "\n\nMore: " + r.HelpURI(),
				Markdown: r.Full + "\n\n```go\n" + r.Example + "\n```\n\n[The lesson](" + r.HelpURI() + ")",
			},
			HelpURI:              r.HelpURI(),
			DefaultConfiguration: map[string]string{"level": "warning"},
			Properties: map[string]any{
				"tags":             []string{"concurrency", "goroutine-leak", "sync.WaitGroup"},
				"precision":        "high",
				"problem.severity": "warning",
			},
		})
	}
	seen := map[string]int{}
	for _, f := range fs {
		var loc sarifLocation
		rel := relPath(root, f.Pos.Filename)
		if filepath.IsAbs(rel) {
			loc.PhysicalLocation.ArtifactLocation = sarifArtifactLoc{URI: "file://" + filepath.ToSlash(rel)}
		} else {
			loc.PhysicalLocation.ArtifactLocation = sarifArtifactLoc{URI: filepath.ToSlash(rel), URIBaseID: "%SRCROOT%"}
		}
		end := f.End
		if end.Line == 0 {
			end = f.Pos
		}
		loc.PhysicalLocation.Region = sarifRegion{StartLine: f.Pos.Line, StartColumn: f.Pos.Column,
			EndLine: end.Line, EndColumn: end.Column}
		// A fingerprint that survives lines moving: the rule, the file,
		// the function and the text of the line, numbered when repeated.
		h := sha256.New()
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00%s", f.Rule, filepath.ToSlash(rel), f.Func, lineText(f.Pos.Filename, f.Pos.Line))
		sum := hex.EncodeToString(h.Sum(nil))[:32]
		seen[sum]++
		run.Results = append(run.Results, sarifResult{
			RuleID:              f.Rule,
			RuleIndex:           ruleIndex(f.Rule),
			Level:               "warning",
			Message:             sarifText{Text: f.Message},
			Locations:           []sarifLocation{loc},
			PartialFingerprints: map[string]string{"primaryLocationLineHash": fmt.Sprintf("%s:%d", sum, seen[sum])},
		})
	}
	run.OriginalURIBaseIDs = map[string]sarifArtifactLoc{
		"%SRCROOT%": {URI: "file://" + filepath.ToSlash(root) + "/"},
	}
	log.Runs = []sarifRun{run}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

// lineText is line n of file, spaces trimmed ("" when unreadable).
func lineText(file string, n int) string {
	data, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	lines := strings.Split(string(data), "\n")
	if n < 1 || n > len(lines) {
		return ""
	}
	return strings.TrimSpace(lines[n-1])
}

// repoRoot is the repository holding dir (the nearest directory with
// .git), else dir.
func repoRoot(dir string) string {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			return dir
		}
		d = up
	}
}

// ---------------------------------------------------------------------------
// What `go vet` reads from a vet tool: {"<ID>": {"<analyzer>": [diagnostic]}}.

type vetDiagnostic struct {
	Posn    string `json:"posn"`
	End     string `json:"end"`
	Message string `json:"message"`
}

func writeVetJSON(w io.Writer, id string, fs []Finding) error {
	tree := map[string]map[string][]vetDiagnostic{}
	if len(fs) > 0 {
		diags := []vetDiagnostic{}
		for _, f := range fs {
			diags = append(diags, vetDiagnostic{
				Posn:    fmt.Sprintf("%s:%d:%d", f.Pos.Filename, f.Pos.Line, f.Pos.Column),
				End:     fmt.Sprintf("%s:%d:%d", f.End.Filename, f.End.Line, f.End.Column),
				Message: f.Rule + ": " + f.Message,
			})
		}
		tree[id] = map[string][]vetDiagnostic{"wgvet": diags}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "\t")
	return enc.Encode(tree)
}
