package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/template"
)

// formatter renders a successful response body for --output.
type formatter struct {
	tmpl *template.Template // nil: print the body as the server sent it
}

// newFormatter parses --output before anything is sent: "json"; "go-template=TEMPLATE";
// "go-template-file=PATH"; or, as the official CLI accepts, a bare template such as '{{.linkToken}}'.
func newFormatter(output string) (*formatter, error) {
	var text, name string
	switch {
	case output == "json":
		return &formatter{}, nil
	case strings.HasPrefix(output, "go-template="):
		text, name = strings.TrimPrefix(output, "go-template="), "go-template"
	case strings.HasPrefix(output, "go-template-file="):
		path := strings.TrimPrefix(output, "go-template-file=")
		data, err := readTemplateFile(path)
		if err != nil {
			return nil, fmt.Errorf("--output go-template-file: %w", err)
		}
		text, name = string(data), path
	case strings.Contains(output, "{{"):
		text, name = output, "template"
	default:
		return nil, fmt.Errorf(`unknown --output %q: want json, go-template=TEMPLATE, go-template-file=PATH or a template such as '{{.linkToken}}'`, output)
	}
	tmpl, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("--output: %w", err)
	}
	return &formatter{tmpl: tmpl}, nil
}

// readTemplateFile reads a template file of at most maxInputBytes (a template is small; /dev/zero is not).
func readTemplateFile(path string) ([]byte, error) {
	fh, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxInputBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxInputBytes {
		return nil, fmt.Errorf("%s exceeds %d bytes", path, maxInputBytes)
	}
	return data, nil
}

// check executes the template on sample, a value shaped like the answer, before anything is sent: a misspelt key
// ({{.LinkToken}} for {{.linkToken}}) fails now rather than after Atlas has acted.
func (f *formatter) check(sample any) error {
	if f.tmpl == nil {
		return nil
	}
	var out bytes.Buffer
	err := f.tmpl.Execute(&out, sample)
	if err == nil && bytes.Contains(out.Bytes(), noValue) {
		err = errNoValue
	}
	if err != nil {
		return fmt.Errorf("--output template does not fit the answer: %w (nothing was sent; keys are the JSON names, such as {{.linkToken}})", err)
	}
	return nil
}

// noValue is what text/template prints for a key an answer lacks when it is reached through index or a map's
// zero value, which missingkey=error does not catch.
var noValue = []byte("<no value>")

var errNoValue = errors.New(`it printed "<no value>": the template names a key the answer lacks`)

// format renders body, adding a final newline when the output goes to a terminal. For an action (strict), a
// template that prints "<no value>" did not render the answer: an error, so the answer is kept whole instead.
func (f *formatter) format(body []byte, terminal, strict bool) ([]byte, error) {
	out := body
	if f.tmpl != nil {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber() // numbers print as sent, never as 1.2e+06
		var data any
		if err := dec.Decode(&data); err != nil {
			return nil, fmt.Errorf("--output template: response is not JSON: %w", err)
		}
		var buf bytes.Buffer
		if err := f.tmpl.Execute(&buf, data); err != nil {
			return nil, fmt.Errorf("--output template: %w", err)
		}
		if strict && bytes.Contains(buf.Bytes(), noValue) {
			return nil, fmt.Errorf("--output template: %w", errNoValue)
		}
		out = buf.Bytes()
	}
	if terminal && !bytes.HasSuffix(out, []byte("\n")) {
		out = append(out[:len(out):len(out)], '\n')
	}
	return out, nil
}

// writeFileAtomic writes data to path with mode 0600 (a link-token is a secret): into a temporary file in the same
// directory, then renamed over path, so readers never see a partial file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
