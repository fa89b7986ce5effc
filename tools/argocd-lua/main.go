// Command argocd-lua runs one Argo CD resource health check the way Argo CD's application
// controller runs a check from argocd-cm, so that vdx's generated checks (schemas/argocd) are tested
// in the interpreter Argo CD embeds: gopher-lua, with only the package, base and table libraries
// open, the live object as the global `obj` (JSON numbers as Lua numbers), one second to finish,
// and the returned table read as the health status and message.
//
// Usage: argocd-lua SCRIPT.lua < object.json; prints {"status": ..., "message": ...}.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"
)

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "argocd-lua: "+format+"\n", args...)
	os.Exit(1)
}

// toLua turns decoded JSON into Lua values: objects and arrays become tables.
func toLua(state *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case []any:
		table := state.CreateTable(len(v), 0)
		for _, item := range v {
			table.Append(toLua(state, item))
		}
		return table
	case map[string]any:
		table := state.CreateTable(0, len(v))
		for key, item := range v {
			table.RawSetString(key, toLua(state, item))
		}
		return table
	}
	return lua.LNil
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: argocd-lua SCRIPT.lua < object.json")
	}
	script, err := os.ReadFile(os.Args[1])
	if err != nil {
		fail("%v", err)
	}
	var object map[string]any
	if err := json.NewDecoder(os.Stdin).Decode(&object); err != nil {
		fail("the object on stdin is not JSON: %v", err)
	}
	state := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer state.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
	} {
		if err := state.CallByParam(lua.P{Fn: state.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			fail("opening %s: %v", lib.name, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	state.SetContext(ctx)
	state.SetGlobal("obj", toLua(state, object))
	if err := state.DoString(string(script)); err != nil {
		fail("%v", err)
	}
	returned, ok := state.Get(-1).(*lua.LTable)
	if !ok {
		fail("the script returned %s, not a table", state.Get(-1).Type())
	}
	out := map[string]string{
		"status":  lua.LVAsString(returned.RawGetString("status")),
		"message": lua.LVAsString(returned.RawGetString("message")),
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail("%v", err)
	}
}
