package check

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// stack is one template of the assembly.
type stack struct {
	name         string // display name: "Stack", or "Stage/Stack" in a nested stage
	stage        string // display path of the stage holding it, "" for the App
	templateFile string // relative to the root assembly directory
	template     map[string]any
	reportKey    string // "<stage id>-<stack name>", how cdk-nag names its reports
	messages     []annotation
}

// annotation is one error, warning or info message in the assembly metadata.
type annotation struct {
	level, path, text string
}

type manifest struct {
	Artifacts map[string]struct {
		Type        string `json:"type"`
		DisplayName string `json:"displayName"`
		Properties  struct {
			TemplateFile  string `json:"templateFile"`
			StackName     string `json:"stackName"`
			DirectoryName string `json:"directoryName"`
		} `json:"properties"`
		Metadata               map[string][]metadataEntry `json:"metadata"`
		AdditionalMetadataFile string                     `json:"additionalMetadataFile"`
	} `json:"artifacts"`
}

type metadataEntry struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

var levels = map[string]string{"aws:cdk:error": "error", "aws:cdk:warning": "warning", "aws:cdk:info": "info"}

// loadAssembly reads the stacks of the assembly in root/sub (sub is "" for the
// root) and, recursively, of its nested stages' assemblies.
func loadAssembly(root, sub string) ([]*stack, error) {
	dir := filepath.Join(root, sub)
	var m manifest
	if err := readJSON(filepath.Join(dir, "manifest.json"), &m); err != nil {
		return nil, err
	}
	var out []*stack
	for _, id := range sortedKeys(m.Artifacts) {
		art := m.Artifacts[id]
		switch art.Type {
		case "cdk:cloud-assembly":
			inner, err := loadAssembly(root, filepath.Join(sub, art.Properties.DirectoryName))
			if err != nil {
				return nil, err
			}
			out = append(out, inner...)
		case "aws:cloudformation:stack":
			name := art.DisplayName
			if name == "" {
				name = id
			}
			stackName := art.Properties.StackName
			if stackName == "" {
				stackName = id
			}
			stage := ""
			if i := strings.LastIndex(name, "/"); i >= 0 {
				stage = name[:i]
			}
			s := &stack{
				name:         name,
				stage:        stage,
				templateFile: filepath.Join(sub, art.Properties.TemplateFile),
				reportKey:    lastSegment(stage) + "-" + stackName,
			}
			var err error
			if s.template, err = readTemplate(filepath.Join(root, s.templateFile)); err != nil {
				return nil, err
			}
			meta := art.Metadata
			if art.AdditionalMetadataFile != "" {
				if err := readJSON(filepath.Join(dir, art.AdditionalMetadataFile), &meta); err != nil {
					return nil, err
				}
			}
			for _, path := range sortedKeys(meta) {
				for _, e := range meta[path] {
					level, ok := levels[e.Type]
					text, isText := e.Data.(string)
					if ok && isText {
						s.messages = append(s.messages, annotation{level: level, path: path, text: text})
					}
				}
			}
			out = append(out, s)
		}
	}
	return out, nil
}

func readJSON(path string, into any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return fmt.Errorf("check: %s: %w", path, err)
	}
	return nil
}

// nagReport is one cdk-nag report file: one pack over one stack.
type nagReport struct {
	key      string // "<stage id>-<stack name>"
	summary  PackSummary
	findings []NagFinding
}

// reportLine is one row of a cdk-nag report, in either format.
type reportLine struct {
	RuleID     string `json:"ruleId"`
	ResourceID string `json:"resourceId"`
	Compliance string `json:"compliance"`
	Exception  string `json:"exceptionReason"`
	RuleLevel  string `json:"ruleLevel"`
	RuleInfo   string `json:"ruleInfo"`
}

// csvHeader is the header row of cdk-nag's CSV report.
var csvHeader = []string{"Rule ID", "Resource ID", "Compliance", "Exception Reason", "Rule Level", "Rule Info"}

// readNagReports reads every cdk-nag report in dir. cdk-nag names them
// <Pack>-<Stage id>-<Stack name>-NagReport.<csv|json> (the App's stage id is
// empty) and writes them all to the root assembly directory. When a stack has
// a report in both formats, the newer file is read: cdk synth does not empty
// cdk.out, so the other one is left over from an earlier synth that used the
// other format (Groundwork wrote JSON before it wrote CSV). On a tie the CSV
// one is read.
func readNagReports(dir string) ([]nagReport, error) {
	type candidate struct {
		path, ext string
		modified  time.Time
	}
	newest := map[string]candidate{} // "<Pack>-<Stage id>-<Stack name>" → its newest report
	var bases []string
	for _, ext := range []string{"csv", "json"} {
		files, err := filepath.Glob(filepath.Join(dir, "*-NagReport."+ext))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			base := strings.TrimSuffix(filepath.Base(f), "-NagReport."+ext)
			if _, _, ok := strings.Cut(base, "-"); !ok {
				continue
			}
			fi, err := os.Stat(f)
			if err != nil {
				return nil, fmt.Errorf("check: %w", err)
			}
			prev, seen := newest[base]
			if !seen {
				bases = append(bases, base)
			}
			if !seen || fi.ModTime().After(prev.modified) {
				newest[base] = candidate{path: f, ext: ext, modified: fi.ModTime()}
			}
		}
	}
	sort.Strings(bases)
	var out []nagReport
	for _, base := range bases {
		c := newest[base]
		lines, err := readReport(c.path, c.ext)
		if err != nil {
			return nil, err
		}
		pack, key, _ := strings.Cut(base, "-")
		out = append(out, summarise(pack, key, lines))
	}
	return out, nil
}

func readReport(path, ext string) ([]reportLine, error) {
	if ext == "json" {
		var r struct {
			Lines []reportLine `json:"lines"`
		}
		if err := readJSON(path, &r); err != nil {
			return nil, err
		}
		return r.Lines, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.FieldsPerRecord = len(csvHeader)
	var lines []reportLine
	for row := 0; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return lines, nil
		}
		if err != nil {
			return nil, fmt.Errorf("check: %s: %w", path, err)
		}
		if row == 0 {
			if strings.Join(rec, ",") != strings.Join(csvHeader, ",") {
				return nil, fmt.Errorf("check: %s: header %q is not cdk-nag's %q", path, rec, csvHeader)
			}
			continue
		}
		lines = append(lines, reportLine{RuleID: rec[0], ResourceID: rec[1], Compliance: rec[2], Exception: rec[3], RuleLevel: rec[4], RuleInfo: rec[5]})
	}
}

// summarise counts one report's lines by compliance and keeps the unsuppressed
// findings: non-compliant errors and warnings, and checks whose result is
// unknown (cdk-nag writes UNKNOWN when a rule failed to evaluate).
func summarise(pack, key string, lines []reportLine) nagReport {
	r := nagReport{key: key, summary: PackSummary{Pack: pack}}
	for _, l := range lines {
		f := NagFinding{Pack: pack, Rule: l.RuleID, Resource: l.ResourceID, Info: l.RuleInfo}
		switch l.Compliance {
		case "Compliant":
			r.summary.Compliant++
			continue
		case "Suppressed":
			r.summary.Suppressed++
			continue
		case "N/A":
			r.summary.NotApplicable++
			continue
		case "Non-Compliant":
			if l.RuleLevel == "Error" {
				r.summary.Errors++
				f.Level = LevelError
			} else {
				r.summary.Warnings++
				f.Level = LevelWarning
			}
		default:
			r.summary.Unknown++
			f.Level = LevelUnknown
			f.Info = fmt.Sprintf("the rule did not evaluate (compliance %q)", l.Compliance)
		}
		r.findings = append(r.findings, f)
	}
	return r
}
