// Command argocd-lua runs an Argo CD resource health check (health.lua) the way Argo CD does: in
// gopher-lua, with only the base, package and table libraries (what a script from argocd-cm
// gets), the object as the global `obj`, one second to finish, and the returned table read as
// {status, message}. An unknown status becomes Unknown, as in Argo CD.
//
//	argocd-lua health.lua < object.json      prints {"status": ..., "message": ...}
//	argocd-lua --test DIR                     runs DIR/health_test.yaml (Argo CD's layout)
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"time"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

type health struct {
	Status  string `json:"status"`
	Message string `json:"message,omitempty"`
}

func main() {
	var err error
	switch {
	case len(os.Args) == 3 && os.Args[1] == "--test":
		err = runTests(os.Args[2], os.Stdout)
	case len(os.Args) == 2:
		err = runOne(os.Args[1], os.Stdin, os.Stdout)
	default:
		err = fmt.Errorf("usage: argocd-lua health.lua < object.json | argocd-lua --test DIR")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "argocd-lua:", err)
		os.Exit(1)
	}
}

func runOne(scriptPath string, in io.Reader, out io.Writer) error {
	script, err := os.ReadFile(scriptPath)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(in)
	if err != nil {
		return err
	}
	var obj map[string]any
	if err := yaml.Unmarshal(data, &obj); err != nil {
		return fmt.Errorf("reading the object: %w", err)
	}
	h, err := healthOf(string(script), obj)
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(h)
}

// runTests reads Argo CD's health_test.yaml: tests[].{healthStatus: {status, message}, inputPath}.
func runTests(dir string, out io.Writer) error {
	script, err := os.ReadFile(filepath.Join(dir, "health.lua"))
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(filepath.Join(dir, "health_test.yaml"))
	if err != nil {
		return err
	}
	var suite struct {
		Tests []struct {
			HealthStatus health `json:"healthStatus"`
			InputPath    string `json:"inputPath"`
		} `json:"tests"`
	}
	if err := yaml.UnmarshalStrict(raw, &suite); err != nil {
		return fmt.Errorf("health_test.yaml: %w", err)
	}
	if len(suite.Tests) == 0 {
		return fmt.Errorf("health_test.yaml has no tests")
	}
	failed := 0
	for _, t := range suite.Tests {
		input, err := os.ReadFile(filepath.Join(dir, t.InputPath))
		if err != nil {
			return err
		}
		var obj map[string]any
		if err := yaml.Unmarshal(input, &obj); err != nil {
			return fmt.Errorf("%s: %w", t.InputPath, err)
		}
		got, err := healthOf(string(script), obj)
		if err != nil {
			return fmt.Errorf("%s: %w", t.InputPath, err)
		}
		if !reflect.DeepEqual(*got, t.HealthStatus) {
			failed++
			fmt.Fprintf(out, "FAIL %s: got %+v, want %+v\n", t.InputPath, *got, t.HealthStatus)
		} else {
			fmt.Fprintf(out, "ok   %s: %s\n", t.InputPath, got.Status)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d health tests failed", failed, len(suite.Tests))
	}
	return nil
}

func healthOf(script string, obj map[string]any) (*health, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), Protect: true}, lua.LString(lib.name)); err != nil {
			return nil, err
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return nil, err
	}
	table, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return nil, fmt.Errorf("expect table output from Lua script, not %s", l.Get(-1).Type())
	}
	h := &health{Status: lua.LVAsString(table.RawGetString("status")), Message: lua.LVAsString(table.RawGetString("message"))}
	switch h.Status {
	case "Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown":
		return h, nil
	}
	return &health{Status: "Unknown", Message: "Lua returned an invalid health status"}, nil
}

func toLua(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case []any:
		arr := l.CreateTable(len(v), 0)
		for _, item := range v {
			arr.Append(toLua(l, item))
		}
		return arr
	case map[string]any:
		tbl := l.CreateTable(0, len(v))
		for key, item := range v {
			tbl.RawSetH(lua.LString(key), toLua(l, item))
		}
		return tbl
	}
	return lua.LNil
}
