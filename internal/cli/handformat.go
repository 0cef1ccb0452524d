package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"text/template"
	"unicode"
)

// handFormat renders the answers of the `atlas liveMigrations` tree as the official CLI does: its table template
// by default, -o json indented, or the user's Go template. Templates see the Atlas Go SDK's field names (the
// official CLI executes them on SDK structs): {{.Id}} for _id, {{.GroupId}}, {{.LagTimeSeconds}}.
type handFormat struct {
	tmpl  *template.Template // nil: JSON
	table bool               // the default table: aligned with a tabwriter
}

func newHandFormat(output, table string) (*handFormat, error) {
	switch {
	case output == "":
		return &handFormat{tmpl: template.Must(template.New("table").Parse(table)), table: true}, nil
	case output == "json":
		return &handFormat{}, nil
	case strings.HasPrefix(output, "json-path="):
		return nil, fmt.Errorf("--output %q: json-path is not supported here; use -o json with jq, or -o go-template=TEMPLATE", output)
	}
	f, err := newFormatter(output)
	if err != nil {
		return nil, err
	}
	if f.tmpl == nil {
		return &handFormat{}, nil
	}
	return &handFormat{tmpl: f.tmpl}, nil
}

// check runs the template on a sample of operationID's answer before anything is sent.
func (f *handFormat) check(operationID string) error {
	if f.tmpl == nil || f.table {
		return nil
	}
	value := map[string]any{}
	if operationID == linkDescribeAnswer {
		value = sdkCase(map[string]any{"orgId": "string", "sourceOrgId": "string", "status": "SYNCED",
			"availableProjects": []any{sample(operationByID("listAvailableProjects").response(""))}, "availableProjectNames": []any{"string"}}).(map[string]any)
	} else if schema := operationByID(operationID).response(""); schema != nil {
		if s, ok := sdkCase(sample(schema)).(map[string]any); ok {
			value = s
		}
	}
	var out bytes.Buffer
	err := f.tmpl.Execute(&out, value)
	if err == nil && bytes.Contains(out.Bytes(), noValue) {
		err = errNoValue
	}
	if err != nil {
		return fmt.Errorf("--output template does not fit the answer: %w (nothing was sent; fields are the Atlas Go SDK's names, such as {{.Id}} or {{.Status}})", err)
	}
	return nil
}

// render formats data, a JSON answer. For an action (strict), a template that prints "<no value>" did not render
// the answer: an error, so the answer is kept whole instead.
func (f *handFormat) render(data []byte, strict bool) ([]byte, error) {
	var buf bytes.Buffer
	if f.tmpl == nil {
		if err := json.Indent(&buf, data, "", "  "); err != nil {
			return nil, err
		}
		buf.WriteByte('\n')
		return buf.Bytes(), nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var w io.Writer = &buf
	var tw *tabwriter.Writer
	if f.table {
		tw = tabwriter.NewWriter(&buf, 0, 4, 3, ' ', 0)
		w = tw
	}
	if err := f.tmpl.Execute(w, sdkCase(v)); err != nil {
		return nil, fmt.Errorf("--output template: %w", err)
	}
	if tw != nil {
		if err := tw.Flush(); err != nil {
			return nil, err
		}
	}
	if strict && !f.table && bytes.Contains(buf.Bytes(), noValue) {
		return nil, fmt.Errorf("--output template: %w", errNoValue)
	}
	return buf.Bytes(), nil
}

// sdkCase renames the keys of a decoded JSON value as the Atlas Go SDK names its fields: first letter upper-cased,
// "_id" → "Id".
func sdkCase(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			name := strings.TrimPrefix(k, "_")
			if name != "" {
				r := []rune(name)
				r[0] = unicode.ToUpper(r[0])
				name = string(r)
			}
			out[name] = sdkCase(val)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = sdkCase(val)
		}
		return out
	}
	return v
}
