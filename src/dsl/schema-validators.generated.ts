// Generated from schemas/{runbook,action,inventory}.schema.json by `npm run gen:types`
// (test/helpers/gen-validators.ts): ajv standalone code. Do not edit.
// @ts-nocheck
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
export const SCHEMA_SHA256 = {
  "runbook": "586df5f4b3b1eb0ac8f6dd0900adaa9142f395b0361a07286dce42d1d0adaf8b",
  "action": "a7677649c80b77e654fd61ecfb6f2c0f263158fb35a653d77c4712a25c6fccce",
  "inventory": "b88941ebbf93533f0f686161682a59dbbe3bbb56524ad0606423cfb00d72c524"
}

export const runbook = validate20;
const schema31 = {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://runbook.dev/schemas/runbook.schema.json","title":"Runbook","description":"A runbook v1: typed params, diagnostic steps, fixes and outcomes. Guards and ${{ }} templates are CEL.","type":"object","additionalProperties":false,"required":["apiVersion","name","summary","steps","outcomes"],"properties":{"apiVersion":{"const":"runbook/v1","description":"Format version. Always runbook/v1."},"name":{"type":"string","pattern":"^[a-z0-9][a-z0-9-]*$","description":"Runbook name, as typed in `runbook run <name>`."},"summary":{"type":"string","minLength":1,"description":"One line: the symptom this runbook handles."},"description":{"type":"string","description":"Longer text for `runbook show`."},"params":{"type":"object","description":"Typed parameters. A value that does not match its type is refused before anything runs.","propertyNames":{"pattern":"^[a-z_][a-z0-9_]*$"},"additionalProperties":{"$ref":"#/$defs/param"}},"defaults":{"type":"object","additionalProperties":false,"description":"Defaults for every step.","properties":{"timeout":{"$ref":"#/$defs/duration","description":"Timeout of every command unless a step says otherwise (default 30s)."},"sudo":{"type":"boolean","description":"Run every command with sudo unless a step says otherwise (default false)."}}},"let":{"$ref":"#/$defs/lets","description":"Named CEL expressions every step and outcome can read by name (not param defaults)."},"start":{"$ref":"#/$defs/stepName","description":"First step. Defaults to the first step listed."},"steps":{"type":"object","minProperties":1,"propertyNames":{"$ref":"#/$defs/stepName"},"additionalProperties":{"$ref":"#/$defs/step"},"description":"The steps, by name (lower case, digits, _). The run starts at start (default: the first listed) and follows each step's next until it reaches an outcome."},"outcomes":{"type":"object","minProperties":1,"propertyNames":{"$ref":"#/$defs/stepName"},"additionalProperties":{"$ref":"#/$defs/outcome"},"description":"Where a run ends, by name: a severity, a summary and the evidence that proves it. Steps go to them with next/goto."}},"$defs":{"stepName":{"type":"string","pattern":"^[a-z_][a-z0-9_]*$"},"duration":{"type":"string","pattern":"^[0-9]+(ms|s|m|h)$","description":"A duration like 500ms, 3s, 2m, 1h."},"cel":{"type":"string","minLength":1,"description":"A CEL expression over params, result, steps and facts."},"template":{"type":"string","description":"Text with ${{ CEL }} interpolations. In commands, interpolated values are shell-quoted by the engine: do not quote them yourself."},"param":{"type":"object","additionalProperties":false,"required":["type"],"properties":{"type":{"enum":["ip","cidr","host","port","unit","user","path","duration","int","bool","enum","string"],"description":"ip: IPv4/IPv6 address; cidr: network; host: inventory name, hostname, IP or user@host:port; port: 1-65535; unit: systemd unit name; user: login name; path: absolute path; duration: 3s/2m; int; bool; enum: one of values; string: any text, optionally matching pattern."},"description":{"type":"string","description":"What the parameter is, shown by `runbook show`."},"required":{"type":"boolean","description":"The run is refused without a value (default false). A param with a default is never missing."},"default":{"type":["string","number","boolean"],"description":"Default value; must match the type. May be a ${{ }} template."},"secret":{"type":"boolean","description":"Never written to transcripts, logs or chat."},"pattern":{"type":"string","description":"string: a regular expression the whole value must match."},"allow_leading_dash":{"type":"boolean","description":"string: accept a value that starts with '-'. Off by default, because a program may read such a value as an option (-oProxyCommand=...). Negative int values need a negative `min` instead."},"values":{"type":"array","items":{"type":"string"},"minItems":1,"description":"enum: the allowed values."},"min":{"type":"integer","description":"int: the smallest value accepted."},"max":{"type":"integer","description":"int: the largest value accepted."}}},"transition":{"type":"object","additionalProperties":false,"required":["goto"],"properties":{"if":{"$ref":"#/$defs/cel","description":"A CEL guard over params, result, steps, facts and lets; the first transition whose guard is true is taken. Leave it out on the last one (the default)."},"goto":{"$ref":"#/$defs/stepName","description":"The step or outcome to go to."}}},"next":{"description":"Where to go after the step: a step or outcome name, or an ordered list of {if, goto} ending with a default (no if).","anyOf":[{"$ref":"#/$defs/stepName"},{"type":"array","minItems":1,"items":{"$ref":"#/$defs/transition"}}]},"okExit":{"description":"Exit codes that count as success (default [0]), or \"any\".","anyOf":[{"const":"any"},{"type":"array","minItems":1,"items":{"type":"integer","minimum":0,"maximum":255}}]},"probe":{"type":"object","additionalProperties":false,"description":"A check from the operator's machine: exactly one of tcp, ping, http.","minProperties":1,"properties":{"tcp":{"$ref":"#/$defs/template","description":"host:port ([v6]:port)."},"ping":{"$ref":"#/$defs/template","description":"Host or address to ping."},"http":{"$ref":"#/$defs/template","description":"URL to GET."},"count":{"type":"integer","minimum":1,"maximum":20,"description":"ping: how many echo requests (1-20, default 3)."},"timeout":{"$ref":"#/$defs/duration","description":"How long the probe may take (default 5s)."}}},"command":{"type":"object","additionalProperties":false,"description":"One read-only command on the target, with its parser.","properties":{"title":{"type":"string","description":"What this command asks, shown in progress."},"run":{"$ref":"#/$defs/template","description":"A read-only shell command on the target; ${{ }} values are shell-quoted by the engine."},"uses":{"$ref":"#/$defs/uses","description":"A run action to run as this command (`runbook actions` lists them): <namespace>/<name>, optionally @<version>."},"with":{"type":"object","description":"Inputs of the action named in uses:, by name. A value is a literal of the input's type or a ${{ }} template over params, steps, facts and lets; a wrong name or type is an error here.","propertyNames":{"pattern":"^[a-z_][a-z0-9_]*$","description":"An input the action declares (`runbook actions NAME` lists them)."},"additionalProperties":{"type":["string","number","boolean"],"description":"The input's value."}},"readonly":{"type":"string","minLength":10,"description":"Vouch that this command is read-only when the read-only check cannot prove it (a program not on its allow-list, a computed command): say why it changes nothing. Reviewed like code; the reason is recorded with the command in plans and transcripts."},"probe":{"$ref":"#/$defs/probe","description":"A check from the operator's machine (tcp, ping or http) instead of a command on the target."},"host":{"$ref":"#/$defs/template","description":"Where to run. Default: params.host, or local when the runbook has no host param."},"sudo":{"type":"boolean","description":"Run the command with sudo (non-interactive). Default: the step's, else defaults.sudo, else false."},"timeout":{"$ref":"#/$defs/duration","description":"How long a command may run before it is stopped and the step goes to on_timeout (e.g. 10s). Default: the step's, else defaults.timeout, else 30s."},"parse":{"$ref":"#/$defs/parser","description":"A registered parser that turns the output into result fields (`runbook parsers` lists them and their fields). Without one, result has exitCode, stdout, stderr."},"ok_exit":{"$ref":"#/$defs/okExit","description":"Exit codes that count as success (default [0]), or \"any\"; another code goes to on_failure."}}},"check":{"type":"object","additionalProperties":false,"description":"Read-only: is the fix still needed? Runs in dry-run too. A command (run) or a run action (uses).","properties":{"run":{"$ref":"#/$defs/template","description":"A read-only command whose result says whether the fix is still needed (see needed_if)."},"uses":{"$ref":"#/$defs/uses","description":"A run action whose command is the check (instead of run): <namespace>/<name>, optionally @<version>. Its outputs' parser parses the result."},"with":{"type":"object","description":"Inputs of the action named in uses:, by name. A value is a literal of the input's type or a ${{ }} template over params, steps, facts and lets; a wrong name or type is an error here.","propertyNames":{"pattern":"^[a-z_][a-z0-9_]*$","description":"An input the action declares (`runbook actions NAME` lists them)."},"additionalProperties":{"type":["string","number","boolean"],"description":"The input's value."}},"readonly":{"type":"string","minLength":10,"description":"Vouch that this command is read-only when the read-only check cannot prove it (a program not on its allow-list, a computed command): say why it changes nothing. Reviewed like code; the reason is recorded with the command in plans and transcripts."},"parse":{"$ref":"#/$defs/parser","description":"A registered parser for the check's output, read by needed_if (`runbook parsers`)."},"needed_if":{"$ref":"#/$defs/cel","description":"Default: result.exitCode == 0"}}},"verify":{"type":"object","additionalProperties":false,"description":"Read-only: did the fix work? A command on the target (run) or a probe from here.","properties":{"run":{"$ref":"#/$defs/template","description":"A read-only command on the target whose result says whether the fix worked (see expect)."},"readonly":{"type":"string","minLength":10,"description":"Vouch that this command is read-only when the read-only check cannot prove it (a program not on its allow-list, a computed command): say why it changes nothing. Reviewed like code; the reason is recorded with the command in plans and transcripts."},"probe":{"$ref":"#/$defs/probe","description":"A check from the operator's machine (tcp, ping or http), through a new connection for access fixes."},"parse":{"$ref":"#/$defs/parser","description":"A registered parser for the verify output, read by expect (`runbook parsers`)."},"expect":{"$ref":"#/$defs/cel","description":"Default: result.exitCode == 0 (run) or result.ok (probe)"},"retries":{"type":"integer","minimum":0,"maximum":20,"description":"How many more times to try verify before rolling back (0-20, default 0)."},"interval":{"$ref":"#/$defs/duration","description":"Wait between verify attempts (default 1s)."}}},"fix":{"type":"object","additionalProperties":false,"description":"check → approve → apply → verify → rollback on failure. Only apply and rollback may change the host.","properties":{"summary":{"$ref":"#/$defs/template","description":"One line: what the fix does, shown in the plan and the approval prompt."},"host":{"$ref":"#/$defs/template","description":"Where the fix runs. Default: params.host, or local when the runbook has no host param."},"sudo":{"type":"boolean","description":"Run check, apply, verify and rollback with sudo. Default: defaults.sudo, else false."},"timeout":{"$ref":"#/$defs/duration","description":"Timeout of each of the fix's commands. Default: defaults.timeout, else 30s."},"check":{"$ref":"#/$defs/check","description":"Read-only: is the fix still needed? Runs in dry-run too; when not needed, nothing is applied."},"apply":{"type":"array","minItems":1,"items":{"$ref":"#/$defs/template"},"description":"The commands that change the host, in order; they run only with --apply, after the plan is approved."},"verify":{"$ref":"#/$defs/verify","description":"Read-only: did the fix work? When it fails, rollback runs."},"rollback":{"type":"array","items":{"$ref":"#/$defs/template"},"description":"Commands that undo apply, run when verify fails. Without them a failed fix exits 8 (needs a human)."},"access":{"type":"boolean","description":"The fix may cut access (sshd, firewall, networking): it runs commit-confirmed. A revert is scheduled on the host before apply, verification goes through a NEW connection, and the revert is cancelled only then. Required for commands touching sshd, iptables, nft, ipset or ip."},"confirm_within":{"$ref":"#/$defs/duration","description":"access fixes: the host reverts by itself unless verification succeeded within this window (default 60s)."},"preflight":{"type":"array","description":"Read-only checks that must all pass before the fix is approved or applied; a failure refuses the fix and changes nothing.","items":{"$ref":"#/$defs/preflight"}},"files":{"type":"array","description":"Files the fix writes whole. The plan shows a unified diff against the host's current content; each file is backed up first and restored on rollback.","items":{"$ref":"#/$defs/fileChange"}}}},"step":{"type":"object","additionalProperties":false,"description":"One step: exactly one of run, probe, parallel, fix, uses (an action); or only next (a branch). A step with uses: may add a fix: that overrides keys of a fix action.","properties":{"title":{"type":"string","description":"What the step asks, shown in progress."},"let":{"$ref":"#/$defs/lets","description":"Named CEL expressions only this step's fields (commands, fix, next guards) can read by name, besides the runbook's."},"run":{"$ref":"#/$defs/template","description":"A read-only shell command on the target."},"uses":{"$ref":"#/$defs/uses","description":"An action (`runbook actions` lists them) that is this step's command or fix: <namespace>/<name>, optionally @<version>; its inputs go in with:."},"with":{"type":"object","description":"Inputs of the action named in uses:, by name. A value is a literal of the input's type or a ${{ }} template over params, steps, facts and lets; a wrong name or type is an error here.","propertyNames":{"pattern":"^[a-z_][a-z0-9_]*$","description":"An input the action declares (`runbook actions NAME` lists them)."},"additionalProperties":{"type":["string","number","boolean"],"description":"The input's value."}},"readonly":{"type":"string","minLength":10,"description":"Vouch that this command is read-only when the read-only check cannot prove it (a program not on its allow-list, a computed command): say why it changes nothing. Reviewed like code; the reason is recorded with the command in plans and transcripts."},"probe":{"$ref":"#/$defs/probe","description":"A check from the operator's machine: tcp, ping or http."},"parallel":{"type":"object","minProperties":1,"propertyNames":{"$ref":"#/$defs/stepName"},"additionalProperties":{"$ref":"#/$defs/command"},"description":"Read-only commands run at once; result.<name> is each one's result."},"fix":{"$ref":"#/$defs/fix","description":"A change to the host: check → approve → apply → verify → rollback on failure. In dry-run only check runs and the plan is shown."},"host":{"$ref":"#/$defs/template","description":"Where the step's commands run. Default: params.host, or local when the runbook has no host param."},"sudo":{"type":"boolean","description":"Run the command with sudo (non-interactive). Default: defaults.sudo, else false."},"timeout":{"$ref":"#/$defs/duration","description":"How long a command may run before it is stopped and the step goes to on_timeout (e.g. 10s). Default: defaults.timeout, else 30s."},"parse":{"$ref":"#/$defs/parser","description":"A registered parser that turns the output into result fields (`runbook parsers` lists them and their fields). Without one, result has exitCode, stdout, stderr."},"ok_exit":{"$ref":"#/$defs/okExit","description":"Exit codes that count as success (default [0]), or \"any\"; another code goes to on_failure."},"next":{"$ref":"#/$defs/next","description":"Where to go after the step: a step or outcome name, or an ordered list of {if, goto} ending with a default (no if)."},"on_failure":{"$ref":"#/$defs/stepName","description":"Where to go when the command exits with a code not in ok_exit."},"on_timeout":{"$ref":"#/$defs/stepName","description":"Where to go when the command or probe times out."},"on_error":{"$ref":"#/$defs/stepName","description":"Where to go when the command cannot run (connection refused, DNS, host key, auth) or its output cannot be parsed."},"on_rollback":{"$ref":"#/$defs/stepName","description":"fix: where to go after a failed verify was rolled back."}},"if":{"properties":{"fix":{"type":"object"},"uses":false},"required":["fix"]},"then":{"properties":{"fix":{"type":"object","properties":{"summary":true,"apply":true},"required":["summary","apply"]}}}},"evidence":{"anyOf":[{"$ref":"#/$defs/template"},{"type":"object","additionalProperties":false,"required":["step"],"properties":{"step":{"$ref":"#/$defs/stepName","description":"The step whose output lines to quote."},"contains":{"$ref":"#/$defs/template","description":"Only output lines containing this text."},"max_lines":{"type":"integer","minimum":1,"description":"At most this many lines (default 20)."}}}]},"outcome":{"type":"object","additionalProperties":false,"required":["severity","summary"],"properties":{"severity":{"enum":["ok","info","warning","critical"],"description":"ok (nothing wrong), info, warning or critical: how bad the diagnosed state is."},"summary":{"$ref":"#/$defs/template","description":"One line: what was found, a template over params, steps, facts and lets."},"evidence":{"type":"array","items":{"$ref":"#/$defs/evidence"},"description":"What proves the outcome: templates, or {step, contains, max_lines} to quote a step's output."},"see":{"type":"array","items":{"type":"string"},"description":"Other runbooks worth running next."}}},"preflight":{"type":"object","additionalProperties":false,"required":["run","message"],"properties":{"run":{"$ref":"#/$defs/template","description":"A read-only command that must succeed (see expect) before the fix is approved or applied."},"readonly":{"type":"string","minLength":10,"description":"Vouch that this command is read-only when the read-only check cannot prove it (a program not on its allow-list, a computed command): say why it changes nothing. Reviewed like code; the reason is recorded with the command in plans and transcripts."},"parse":{"$ref":"#/$defs/parser","description":"A registered parser for the check's output, read by expect (`runbook parsers`)."},"expect":{"$ref":"#/$defs/cel","description":"Default: result.exitCode == 0"},"message":{"$ref":"#/$defs/template","description":"Why the fix is refused when the check fails."}}},"fileChange":{"type":"object","additionalProperties":false,"required":["path","content"],"properties":{"path":{"$ref":"#/$defs/template","description":"Absolute path of the file on the host."},"content":{"$ref":"#/$defs/template","description":"The whole new content (interpolated as text, not shell-quoted)."},"mode":{"type":"string","pattern":"^0?[0-7]{3,4}$","description":"File mode for a new file (default 0644); an existing file keeps its mode."}}},"lets":{"type":"object","description":"Named CEL expressions, written once and read by name in guards, ${{ }} templates and other lets (`if: suspect != null`, `${{ suspect.pids[0] }}`). Each is type-checked once and evaluated where it is used, in the scope of that use, so a let changes no command. A let reads params, steps and facts (not result: write steps.<step>.result) and may read other lets, without cycles.","propertyNames":{"pattern":"^[a-z_][a-z0-9_]*$","description":"A let name: lower case, digits and _. Not params, steps, result, facts, a CEL type name (int, string, ...) or a CEL reserved word."},"additionalProperties":{"$ref":"#/$defs/cel"}},"uses":{"description":"An action to run as this step: <namespace>/<name>, optionally @<version> (actions/<namespace>/<name>.yaml, shipped or on RUNBOOK_PATH). `runbook actions` lists them.","anyOf":[{"enum":["fail2ban/lift-ban","fail2ban/status","files/archive-rotated","firewall/find-address","http/proxy-probe-clients","iptables/delete-rules","nft/delete-rules","process/listener-owners","process/owner","process/restart-owner","sshd/auth-log","sshd/harden-dropin","sshguard/lift-block","systemd/reset-failed-restart","tcp/waiting-connections"]},{"type":"string","pattern":"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*(@[0-9]+)?$"}],"examples":["fail2ban/lift-ban","systemd/reset-failed-restart@1"]},"parser":{"description":"A parser name: the built-in ones are listed (`runbook parsers NAME` shows the fields each gives); a program that embeds runbook may register more.","anyOf":[{"enum":["access-log","auth-log","df","du","fail2ban-banned","fail2ban-status","firewall-objects","free","free-g","free-k","free-m","ipset","iptables","journal","json","kv","last","loadavg","meminfo","netstat","nft","ping","ps","ss","ss-summary","sshd-config","sshguard-log","sshguard-whitelist","swapon","systemctl-failed","systemctl-show","systemctl-status","traceroute","uptime","vmstat","who"]},{"type":"string","pattern":"^[a-z0-9][a-z0-9-]*$"}],"examples":["iptables","json","kv","systemctl-show"]}}};
const schema32 = {"type":"object","additionalProperties":false,"required":["type"],"properties":{"type":{"enum":["ip","cidr","host","port","unit","user","path","duration","int","bool","enum","string"],"description":"ip: IPv4/IPv6 address; cidr: network; host: inventory name, hostname, IP or user@host:port; port: 1-65535; unit: systemd unit name; user: login name; path: absolute path; duration: 3s/2m; int; bool; enum: one of values; string: any text, optionally matching pattern."},"description":{"type":"string","description":"What the parameter is, shown by `runbook show`."},"required":{"type":"boolean","description":"The run is refused without a value (default false). A param with a default is never missing."},"default":{"type":["string","number","boolean"],"description":"Default value; must match the type. May be a ${{ }} template."},"secret":{"type":"boolean","description":"Never written to transcripts, logs or chat."},"pattern":{"type":"string","description":"string: a regular expression the whole value must match."},"allow_leading_dash":{"type":"boolean","description":"string: accept a value that starts with '-'. Off by default, because a program may read such a value as an option (-oProxyCommand=...). Negative int values need a negative `min` instead."},"values":{"type":"array","items":{"type":"string"},"minItems":1,"description":"enum: the allowed values."},"min":{"type":"integer","description":"int: the smallest value accepted."},"max":{"type":"integer","description":"int: the largest value accepted."}}};
const schema33 = {"type":"string","pattern":"^[0-9]+(ms|s|m|h)$","description":"A duration like 500ms, 3s, 2m, 1h."};
const schema36 = {"type":"string","pattern":"^[a-z_][a-z0-9_]*$"};
const func1 = Object.prototype.hasOwnProperty;
const func2 = require("ajv/dist/runtime/ucs2length").default;
const pattern4 = new RegExp("^[a-z0-9][a-z0-9-]*$", "u");
const pattern5 = new RegExp("^[a-z_][a-z0-9_]*$", "u");
const pattern6 = new RegExp("^[0-9]+(ms|s|m|h)$", "u");
const schema34 = {"type":"object","description":"Named CEL expressions, written once and read by name in guards, ${{ }} templates and other lets (`if: suspect != null`, `${{ suspect.pids[0] }}`). Each is type-checked once and evaluated where it is used, in the scope of that use, so a let changes no command. A let reads params, steps and facts (not result: write steps.<step>.result) and may read other lets, without cycles.","propertyNames":{"pattern":"^[a-z_][a-z0-9_]*$","description":"A let name: lower case, digits and _. Not params, steps, result, facts, a CEL type name (int, string, ...) or a CEL reserved word."},"additionalProperties":{"$ref":"#/$defs/cel"}};
const schema35 = {"type":"string","minLength":1,"description":"A CEL expression over params, result, steps and facts."};

function validate21(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate21.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
const _errs1 = errors;
if(typeof key0 === "string"){
if(!pattern5.test(key0)){
const err0 = {instancePath,schemaPath:"#/propertyNames/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema34.propertyNames,data:key0,propertyName:key0};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
var valid0 = _errs1 === errors;
if(!valid0){
const err1 = {instancePath,schemaPath:"#/propertyNames",keyword:"propertyNames",params:{propertyName: key0},message:"property name must be valid",schema:schema34.propertyNames,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
for(const key1 in data){
let data0 = data[key1];
if(typeof data0 === "string"){
if(func2(data0) < 1){
const err2 = {instancePath:instancePath+"/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/cel/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema35,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/cel/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.type,parentSchema:schema35,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
}
else {
const err4 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema34.type,parentSchema:schema34,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
validate21.errors = vErrors;
return errors === 0;
}
validate21.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema38 = {"type":"object","additionalProperties":false,"description":"One step: exactly one of run, probe, parallel, fix, uses (an action); or only next (a branch). A step with uses: may add a fix: that overrides keys of a fix action.","properties":{"title":{"type":"string","description":"What the step asks, shown in progress."},"let":{"$ref":"#/$defs/lets","description":"Named CEL expressions only this step's fields (commands, fix, next guards) can read by name, besides the runbook's."},"run":{"$ref":"#/$defs/template","description":"A read-only shell command on the target."},"uses":{"$ref":"#/$defs/uses","description":"An action (`runbook actions` lists them) that is this step's command or fix: <namespace>/<name>, optionally @<version>; its inputs go in with:."},"with":{"type":"object","description":"Inputs of the action named in uses:, by name. A value is a literal of the input's type or a ${{ }} template over params, steps, facts and lets; a wrong name or type is an error here.","propertyNames":{"pattern":"^[a-z_][a-z0-9_]*$","description":"An input the action declares (`runbook actions NAME` lists them)."},"additionalProperties":{"type":["string","number","boolean"],"description":"The input's value."}},"readonly":{"type":"string","minLength":10,"description":"Vouch that this command is read-only when the read-only check cannot prove it (a program not on its allow-list, a computed command): say why it changes nothing. Reviewed like code; the reason is recorded with the command in plans and transcripts."},"probe":{"$ref":"#/$defs/probe","description":"A check from the operator's machine: tcp, ping or http."},"parallel":{"type":"object","minProperties":1,"propertyNames":{"$ref":"#/$defs/stepName"},"additionalProperties":{"$ref":"#/$defs/command"},"description":"Read-only commands run at once; result.<name> is each one's result."},"fix":{"$ref":"#/$defs/fix","description":"A change to the host: check → approve → apply → verify → rollback on failure. In dry-run only check runs and the plan is shown."},"host":{"$ref":"#/$defs/template","description":"Where the step's commands run. Default: params.host, or local when the runbook has no host param."},"sudo":{"type":"boolean","description":"Run the command with sudo (non-interactive). Default: defaults.sudo, else false."},"timeout":{"$ref":"#/$defs/duration","description":"How long a command may run before it is stopped and the step goes to on_timeout (e.g. 10s). Default: defaults.timeout, else 30s."},"parse":{"$ref":"#/$defs/parser","description":"A registered parser that turns the output into result fields (`runbook parsers` lists them and their fields). Without one, result has exitCode, stdout, stderr."},"ok_exit":{"$ref":"#/$defs/okExit","description":"Exit codes that count as success (default [0]), or \"any\"; another code goes to on_failure."},"next":{"$ref":"#/$defs/next","description":"Where to go after the step: a step or outcome name, or an ordered list of {if, goto} ending with a default (no if)."},"on_failure":{"$ref":"#/$defs/stepName","description":"Where to go when the command exits with a code not in ok_exit."},"on_timeout":{"$ref":"#/$defs/stepName","description":"Where to go when the command or probe times out."},"on_error":{"$ref":"#/$defs/stepName","description":"Where to go when the command cannot run (connection refused, DNS, host key, auth) or its output cannot be parsed."},"on_rollback":{"$ref":"#/$defs/stepName","description":"fix: where to go after a failed verify was rolled back."}},"if":{"properties":{"fix":{"type":"object"},"uses":false},"required":["fix"]},"then":{"properties":{"fix":{"type":"object","properties":{"summary":true,"apply":true},"required":["summary","apply"]}}}};
const schema39 = {"type":"string","description":"Text with ${{ CEL }} interpolations. In commands, interpolated values are shell-quoted by the engine: do not quote them yourself."};
const schema40 = {"description":"An action to run as this step: <namespace>/<name>, optionally @<version> (actions/<namespace>/<name>.yaml, shipped or on RUNBOOK_PATH). `runbook actions` lists them.","anyOf":[{"enum":["fail2ban/lift-ban","fail2ban/status","files/archive-rotated","firewall/find-address","http/proxy-probe-clients","iptables/delete-rules","nft/delete-rules","process/listener-owners","process/owner","process/restart-owner","sshd/auth-log","sshd/harden-dropin","sshguard/lift-block","systemd/reset-failed-restart","tcp/waiting-connections"]},{"type":"string","pattern":"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*(@[0-9]+)?$"}],"examples":["fail2ban/lift-ban","systemd/reset-failed-restart@1"]};
const schema52 = {"description":"A parser name: the built-in ones are listed (`runbook parsers NAME` shows the fields each gives); a program that embeds runbook may register more.","anyOf":[{"enum":["access-log","auth-log","df","du","fail2ban-banned","fail2ban-status","firewall-objects","free","free-g","free-k","free-m","ipset","iptables","journal","json","kv","last","loadavg","meminfo","netstat","nft","ping","ps","ss","ss-summary","sshd-config","sshguard-log","sshguard-whitelist","swapon","systemctl-failed","systemctl-show","systemctl-status","traceroute","uptime","vmstat","who"]},{"type":"string","pattern":"^[a-z0-9][a-z0-9-]*$"}],"examples":["iptables","json","kv","systemctl-show"]};
const schema53 = {"description":"Exit codes that count as success (default [0]), or \"any\".","anyOf":[{"const":"any"},{"type":"array","minItems":1,"items":{"type":"integer","minimum":0,"maximum":255}}]};
const schema41 = {"type":"object","additionalProperties":false,"description":"A check from the operator's machine: exactly one of tcp, ping, http.","minProperties":1,"properties":{"tcp":{"$ref":"#/$defs/template","description":"host:port ([v6]:port)."},"ping":{"$ref":"#/$defs/template","description":"Host or address to ping."},"http":{"$ref":"#/$defs/template","description":"URL to GET."},"count":{"type":"integer","minimum":1,"maximum":20,"description":"ping: how many echo requests (1-20, default 3)."},"timeout":{"$ref":"#/$defs/duration","description":"How long the probe may take (default 5s)."}}};

function validate25(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate25.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(Object.keys(data).length < 1){
const err0 = {instancePath,schemaPath:"#/minProperties",keyword:"minProperties",params:{limit: 1},message:"must NOT have fewer than 1 properties",schema:1,parentSchema:schema41,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(((((key0 === "tcp") || (key0 === "ping")) || (key0 === "http")) || (key0 === "count")) || (key0 === "timeout"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema41,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.tcp !== undefined){
let data0 = data.tcp;
if(typeof data0 !== "string"){
const err2 = {instancePath:instancePath+"/tcp",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.ping !== undefined){
let data1 = data.ping;
if(typeof data1 !== "string"){
const err3 = {instancePath:instancePath+"/ping",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.http !== undefined){
let data2 = data.http;
if(typeof data2 !== "string"){
const err4 = {instancePath:instancePath+"/http",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.count !== undefined){
let data3 = data.count;
if(!(((typeof data3 == "number") && (!(data3 % 1) && !isNaN(data3))) && (isFinite(data3)))){
const err5 = {instancePath:instancePath+"/count",schemaPath:"#/properties/count/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema41.properties.count.type,parentSchema:schema41.properties.count,data:data3};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if((typeof data3 == "number") && (isFinite(data3))){
if(data3 > 20 || isNaN(data3)){
const err6 = {instancePath:instancePath+"/count",schemaPath:"#/properties/count/maximum",keyword:"maximum",params:{comparison: "<=", limit: 20},message:"must be <= 20",schema:20,parentSchema:schema41.properties.count,data:data3};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if(data3 < 1 || isNaN(data3)){
const err7 = {instancePath:instancePath+"/count",schemaPath:"#/properties/count/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema41.properties.count,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
if(data.timeout !== undefined){
let data4 = data.timeout;
if(typeof data4 === "string"){
if(!pattern6.test(data4)){
const err8 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(ms|s|m|h)$"+"\"",schema:"^[0-9]+(ms|s|m|h)$",parentSchema:schema33,data:data4};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema33.type,parentSchema:schema33,data:data4};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
}
else {
const err10 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema41.type,parentSchema:schema41,data};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
validate25.errors = vErrors;
return errors === 0;
}
validate25.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema47 = {"type":"object","additionalProperties":false,"description":"One read-only command on the target, with its parser.","properties":{"title":{"type":"string","description":"What this command asks, shown in progress."},"run":{"$ref":"#/$defs/template","description":"A read-only shell command on the target; ${{ }} values are shell-quoted by the engine."},"uses":{"$ref":"#/$defs/uses","description":"A run action to run as this command (`runbook actions` lists them): <namespace>/<name>, optionally @<version>."},"with":{"type":"object","description":"Inputs of the action named in uses:, by name. A value is a literal of the input's type or a ${{ }} template over params, steps, facts and lets; a wrong name or type is an error here.","propertyNames":{"pattern":"^[a-z_][a-z0-9_]*$","description":"An input the action declares (`runbook actions NAME` lists them)."},"additionalProperties":{"type":["string","number","boolean"],"description":"The input's value."}},"readonly":{"type":"string","minLength":10,"description":"Vouch that this command is read-only when the read-only check cannot prove it (a program not on its allow-list, a computed command): say why it changes nothing. Reviewed like code; the reason is recorded with the command in plans and transcripts."},"probe":{"$ref":"#/$defs/probe","description":"A check from the operator's machine (tcp, ping or http) instead of a command on the target."},"host":{"$ref":"#/$defs/template","description":"Where to run. Default: params.host, or local when the runbook has no host param."},"sudo":{"type":"boolean","description":"Run the command with sudo (non-interactive). Default: the step's, else defaults.sudo, else false."},"timeout":{"$ref":"#/$defs/duration","description":"How long a command may run before it is stopped and the step goes to on_timeout (e.g. 10s). Default: the step's, else defaults.timeout, else 30s."},"parse":{"$ref":"#/$defs/parser","description":"A registered parser that turns the output into result fields (`runbook parsers` lists them and their fields). Without one, result has exitCode, stdout, stderr."},"ok_exit":{"$ref":"#/$defs/okExit","description":"Exit codes that count as success (default [0]), or \"any\"; another code goes to on_failure."}}};
const pattern10 = new RegExp("^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*(@[0-9]+)?$", "u");

function validate27(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate27.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(func1.call(schema47.properties, key0))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema47,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.title !== undefined){
let data0 = data.title;
if(typeof data0 !== "string"){
const err1 = {instancePath:instancePath+"/title",schemaPath:"#/properties/title/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema47.properties.title.type,parentSchema:schema47.properties.title,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.run !== undefined){
let data1 = data.run;
if(typeof data1 !== "string"){
const err2 = {instancePath:instancePath+"/run",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.uses !== undefined){
let data2 = data.uses;
const _errs9 = errors;
let valid3 = false;
const _errs10 = errors;
if(!(((((((((((((((data2 === "fail2ban/lift-ban") || (data2 === "fail2ban/status")) || (data2 === "files/archive-rotated")) || (data2 === "firewall/find-address")) || (data2 === "http/proxy-probe-clients")) || (data2 === "iptables/delete-rules")) || (data2 === "nft/delete-rules")) || (data2 === "process/listener-owners")) || (data2 === "process/owner")) || (data2 === "process/restart-owner")) || (data2 === "sshd/auth-log")) || (data2 === "sshd/harden-dropin")) || (data2 === "sshguard/lift-block")) || (data2 === "systemd/reset-failed-restart")) || (data2 === "tcp/waiting-connections"))){
const err3 = {instancePath:instancePath+"/uses",schemaPath:"#/$defs/uses/anyOf/0/enum",keyword:"enum",params:{allowedValues: schema40.anyOf[0].enum},message:"must be equal to one of the allowed values",schema:schema40.anyOf[0].enum,parentSchema:schema40.anyOf[0],data:data2};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
var _valid0 = _errs10 === errors;
valid3 = valid3 || _valid0;
const _errs11 = errors;
if(typeof data2 === "string"){
if(!pattern10.test(data2)){
const err4 = {instancePath:instancePath+"/uses",schemaPath:"#/$defs/uses/anyOf/1/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*(@[0-9]+)?$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*(@[0-9]+)?$"+"\"",schema:"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*(@[0-9]+)?$",parentSchema:schema40.anyOf[1],data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/uses",schemaPath:"#/$defs/uses/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema40.anyOf[1].type,parentSchema:schema40.anyOf[1],data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
var _valid0 = _errs11 === errors;
valid3 = valid3 || _valid0;
if(!valid3){
const err6 = {instancePath:instancePath+"/uses",schemaPath:"#/$defs/uses/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema40.anyOf,parentSchema:schema40,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
else {
errors = _errs9;
if(vErrors !== null){
if(_errs9){
vErrors.length = _errs9;
}
else {
vErrors = null;
}
}
}
}
if(data.with !== undefined){
let data3 = data.with;
if(data3 && typeof data3 == "object" && !Array.isArray(data3)){
for(const key1 in data3){
const _errs15 = errors;
if(typeof key1 === "string"){
if(!pattern5.test(key1)){
const err7 = {instancePath:instancePath+"/with",schemaPath:"#/properties/with/propertyNames/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema47.properties.with.propertyNames,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
var valid4 = _errs15 === errors;
if(!valid4){
const err8 = {instancePath:instancePath+"/with",schemaPath:"#/properties/with/propertyNames",keyword:"propertyNames",params:{propertyName: key1},message:"property name must be valid",schema:schema47.properties.with.propertyNames,parentSchema:schema47.properties.with,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
for(const key2 in data3){
let data4 = data3[key2];
if(((typeof data4 !== "string") && (!((typeof data4 == "number") && (isFinite(data4))))) && (typeof data4 !== "boolean")){
const err9 = {instancePath:instancePath+"/with/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/with/additionalProperties/type",keyword:"type",params:{type: schema47.properties.with.additionalProperties.type},message:"must be string,number,boolean",schema:schema47.properties.with.additionalProperties.type,parentSchema:schema47.properties.with.additionalProperties,data:data4};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
}
else {
const err10 = {instancePath:instancePath+"/with",schemaPath:"#/properties/with/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema47.properties.with.type,parentSchema:schema47.properties.with,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.readonly !== undefined){
let data5 = data.readonly;
if(typeof data5 === "string"){
if(func2(data5) < 10){
const err11 = {instancePath:instancePath+"/readonly",schemaPath:"#/properties/readonly/minLength",keyword:"minLength",params:{limit: 10},message:"must NOT have fewer than 10 characters",schema:10,parentSchema:schema47.properties.readonly,data:data5};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/readonly",schemaPath:"#/properties/readonly/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema47.properties.readonly.type,parentSchema:schema47.properties.readonly,data:data5};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.probe !== undefined){
if(!(validate25(data.probe, {instancePath:instancePath+"/probe",parentData:data,parentDataProperty:"probe",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate25.errors : vErrors.concat(validate25.errors);
errors = vErrors.length;
}
}
if(data.host !== undefined){
let data7 = data.host;
if(typeof data7 !== "string"){
const err13 = {instancePath:instancePath+"/host",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data7};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data.sudo !== undefined){
let data8 = data.sudo;
if(typeof data8 !== "boolean"){
const err14 = {instancePath:instancePath+"/sudo",schemaPath:"#/properties/sudo/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema47.properties.sudo.type,parentSchema:schema47.properties.sudo,data:data8};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data.timeout !== undefined){
let data9 = data.timeout;
if(typeof data9 === "string"){
if(!pattern6.test(data9)){
const err15 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(ms|s|m|h)$"+"\"",schema:"^[0-9]+(ms|s|m|h)$",parentSchema:schema33,data:data9};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
else {
const err16 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema33.type,parentSchema:schema33,data:data9};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data.parse !== undefined){
let data10 = data.parse;
const _errs32 = errors;
let valid9 = false;
const _errs33 = errors;
if(!((((((((((((((((((((((((((((((((((((data10 === "access-log") || (data10 === "auth-log")) || (data10 === "df")) || (data10 === "du")) || (data10 === "fail2ban-banned")) || (data10 === "fail2ban-status")) || (data10 === "firewall-objects")) || (data10 === "free")) || (data10 === "free-g")) || (data10 === "free-k")) || (data10 === "free-m")) || (data10 === "ipset")) || (data10 === "iptables")) || (data10 === "journal")) || (data10 === "json")) || (data10 === "kv")) || (data10 === "last")) || (data10 === "loadavg")) || (data10 === "meminfo")) || (data10 === "netstat")) || (data10 === "nft")) || (data10 === "ping")) || (data10 === "ps")) || (data10 === "ss")) || (data10 === "ss-summary")) || (data10 === "sshd-config")) || (data10 === "sshguard-log")) || (data10 === "sshguard-whitelist")) || (data10 === "swapon")) || (data10 === "systemctl-failed")) || (data10 === "systemctl-show")) || (data10 === "systemctl-status")) || (data10 === "traceroute")) || (data10 === "uptime")) || (data10 === "vmstat")) || (data10 === "who"))){
const err17 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf/0/enum",keyword:"enum",params:{allowedValues: schema52.anyOf[0].enum},message:"must be equal to one of the allowed values",schema:schema52.anyOf[0].enum,parentSchema:schema52.anyOf[0],data:data10};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
var _valid1 = _errs33 === errors;
valid9 = valid9 || _valid1;
const _errs34 = errors;
if(typeof data10 === "string"){
if(!pattern4.test(data10)){
const err18 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf/1/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9-]*$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9-]*$"+"\"",schema:"^[a-z0-9][a-z0-9-]*$",parentSchema:schema52.anyOf[1],data:data10};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
else {
const err19 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema52.anyOf[1].type,parentSchema:schema52.anyOf[1],data:data10};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
var _valid1 = _errs34 === errors;
valid9 = valid9 || _valid1;
if(!valid9){
const err20 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema52.anyOf,parentSchema:schema52,data:data10};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
else {
errors = _errs32;
if(vErrors !== null){
if(_errs32){
vErrors.length = _errs32;
}
else {
vErrors = null;
}
}
}
}
if(data.ok_exit !== undefined){
let data11 = data.ok_exit;
const _errs38 = errors;
let valid11 = false;
const _errs39 = errors;
if("any" !== data11){
const err21 = {instancePath:instancePath+"/ok_exit",schemaPath:"#/$defs/okExit/anyOf/0/const",keyword:"const",params:{allowedValue: "any"},message:"must be equal to constant",schema:"any",parentSchema:schema53.anyOf[0],data:data11};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
var _valid2 = _errs39 === errors;
valid11 = valid11 || _valid2;
const _errs40 = errors;
if(Array.isArray(data11)){
if(data11.length < 1){
const err22 = {instancePath:instancePath+"/ok_exit",schemaPath:"#/$defs/okExit/anyOf/1/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema53.anyOf[1],data:data11};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
const len0 = data11.length;
for(let i0=0; i0<len0; i0++){
let data12 = data11[i0];
if(!(((typeof data12 == "number") && (!(data12 % 1) && !isNaN(data12))) && (isFinite(data12)))){
const err23 = {instancePath:instancePath+"/ok_exit/" + i0,schemaPath:"#/$defs/okExit/anyOf/1/items/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema53.anyOf[1].items.type,parentSchema:schema53.anyOf[1].items,data:data12};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
if((typeof data12 == "number") && (isFinite(data12))){
if(data12 > 255 || isNaN(data12)){
const err24 = {instancePath:instancePath+"/ok_exit/" + i0,schemaPath:"#/$defs/okExit/anyOf/1/items/maximum",keyword:"maximum",params:{comparison: "<=", limit: 255},message:"must be <= 255",schema:255,parentSchema:schema53.anyOf[1].items,data:data12};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
if(data12 < 0 || isNaN(data12)){
const err25 = {instancePath:instancePath+"/ok_exit/" + i0,schemaPath:"#/$defs/okExit/anyOf/1/items/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema53.anyOf[1].items,data:data12};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
}
}
else {
const err26 = {instancePath:instancePath+"/ok_exit",schemaPath:"#/$defs/okExit/anyOf/1/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema53.anyOf[1].type,parentSchema:schema53.anyOf[1],data:data11};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
var _valid2 = _errs40 === errors;
valid11 = valid11 || _valid2;
if(!valid11){
const err27 = {instancePath:instancePath+"/ok_exit",schemaPath:"#/$defs/okExit/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema53.anyOf,parentSchema:schema53,data:data11};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
else {
errors = _errs38;
if(vErrors !== null){
if(_errs38){
vErrors.length = _errs38;
}
else {
vErrors = null;
}
}
}
}
}
else {
const err28 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema47.type,parentSchema:schema47,data};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
validate27.errors = vErrors;
return errors === 0;
}
validate27.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema54 = {"type":"object","additionalProperties":false,"description":"check → approve → apply → verify → rollback on failure. Only apply and rollback may change the host.","properties":{"summary":{"$ref":"#/$defs/template","description":"One line: what the fix does, shown in the plan and the approval prompt."},"host":{"$ref":"#/$defs/template","description":"Where the fix runs. Default: params.host, or local when the runbook has no host param."},"sudo":{"type":"boolean","description":"Run check, apply, verify and rollback with sudo. Default: defaults.sudo, else false."},"timeout":{"$ref":"#/$defs/duration","description":"Timeout of each of the fix's commands. Default: defaults.timeout, else 30s."},"check":{"$ref":"#/$defs/check","description":"Read-only: is the fix still needed? Runs in dry-run too; when not needed, nothing is applied."},"apply":{"type":"array","minItems":1,"items":{"$ref":"#/$defs/template"},"description":"The commands that change the host, in order; they run only with --apply, after the plan is approved."},"verify":{"$ref":"#/$defs/verify","description":"Read-only: did the fix work? When it fails, rollback runs."},"rollback":{"type":"array","items":{"$ref":"#/$defs/template"},"description":"Commands that undo apply, run when verify fails. Without them a failed fix exits 8 (needs a human)."},"access":{"type":"boolean","description":"The fix may cut access (sshd, firewall, networking): it runs commit-confirmed. A revert is scheduled on the host before apply, verification goes through a NEW connection, and the revert is cancelled only then. Required for commands touching sshd, iptables, nft, ipset or ip."},"confirm_within":{"$ref":"#/$defs/duration","description":"access fixes: the host reverts by itself unless verification succeeded within this window (default 60s)."},"preflight":{"type":"array","description":"Read-only checks that must all pass before the fix is approved or applied; a failure refuses the fix and changes nothing.","items":{"$ref":"#/$defs/preflight"}},"files":{"type":"array","description":"Files the fix writes whole. The plan shows a unified diff against the host's current content; each file is backed up first and restored on rollback.","items":{"$ref":"#/$defs/fileChange"}}}};
const schema58 = {"type":"object","additionalProperties":false,"description":"Read-only: is the fix still needed? Runs in dry-run too. A command (run) or a run action (uses).","properties":{"run":{"$ref":"#/$defs/template","description":"A read-only command whose result says whether the fix is still needed (see needed_if)."},"uses":{"$ref":"#/$defs/uses","description":"A run action whose command is the check (instead of run): <namespace>/<name>, optionally @<version>. Its outputs' parser parses the result."},"with":{"type":"object","description":"Inputs of the action named in uses:, by name. A value is a literal of the input's type or a ${{ }} template over params, steps, facts and lets; a wrong name or type is an error here.","propertyNames":{"pattern":"^[a-z_][a-z0-9_]*$","description":"An input the action declares (`runbook actions NAME` lists them)."},"additionalProperties":{"type":["string","number","boolean"],"description":"The input's value."}},"readonly":{"type":"string","minLength":10,"description":"Vouch that this command is read-only when the read-only check cannot prove it (a program not on its allow-list, a computed command): say why it changes nothing. Reviewed like code; the reason is recorded with the command in plans and transcripts."},"parse":{"$ref":"#/$defs/parser","description":"A registered parser for the check's output, read by needed_if (`runbook parsers`)."},"needed_if":{"$ref":"#/$defs/cel","description":"Default: result.exitCode == 0"}}};

function validate31(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate31.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!((((((key0 === "run") || (key0 === "uses")) || (key0 === "with")) || (key0 === "readonly")) || (key0 === "parse")) || (key0 === "needed_if"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema58,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.run !== undefined){
let data0 = data.run;
if(typeof data0 !== "string"){
const err1 = {instancePath:instancePath+"/run",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.uses !== undefined){
let data1 = data.uses;
const _errs7 = errors;
let valid3 = false;
const _errs8 = errors;
if(!(((((((((((((((data1 === "fail2ban/lift-ban") || (data1 === "fail2ban/status")) || (data1 === "files/archive-rotated")) || (data1 === "firewall/find-address")) || (data1 === "http/proxy-probe-clients")) || (data1 === "iptables/delete-rules")) || (data1 === "nft/delete-rules")) || (data1 === "process/listener-owners")) || (data1 === "process/owner")) || (data1 === "process/restart-owner")) || (data1 === "sshd/auth-log")) || (data1 === "sshd/harden-dropin")) || (data1 === "sshguard/lift-block")) || (data1 === "systemd/reset-failed-restart")) || (data1 === "tcp/waiting-connections"))){
const err2 = {instancePath:instancePath+"/uses",schemaPath:"#/$defs/uses/anyOf/0/enum",keyword:"enum",params:{allowedValues: schema40.anyOf[0].enum},message:"must be equal to one of the allowed values",schema:schema40.anyOf[0].enum,parentSchema:schema40.anyOf[0],data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
var _valid0 = _errs8 === errors;
valid3 = valid3 || _valid0;
const _errs9 = errors;
if(typeof data1 === "string"){
if(!pattern10.test(data1)){
const err3 = {instancePath:instancePath+"/uses",schemaPath:"#/$defs/uses/anyOf/1/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*(@[0-9]+)?$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*(@[0-9]+)?$"+"\"",schema:"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*(@[0-9]+)?$",parentSchema:schema40.anyOf[1],data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/uses",schemaPath:"#/$defs/uses/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema40.anyOf[1].type,parentSchema:schema40.anyOf[1],data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
var _valid0 = _errs9 === errors;
valid3 = valid3 || _valid0;
if(!valid3){
const err5 = {instancePath:instancePath+"/uses",schemaPath:"#/$defs/uses/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema40.anyOf,parentSchema:schema40,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
else {
errors = _errs7;
if(vErrors !== null){
if(_errs7){
vErrors.length = _errs7;
}
else {
vErrors = null;
}
}
}
}
if(data.with !== undefined){
let data2 = data.with;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
for(const key1 in data2){
const _errs13 = errors;
if(typeof key1 === "string"){
if(!pattern5.test(key1)){
const err6 = {instancePath:instancePath+"/with",schemaPath:"#/properties/with/propertyNames/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema58.properties.with.propertyNames,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
var valid4 = _errs13 === errors;
if(!valid4){
const err7 = {instancePath:instancePath+"/with",schemaPath:"#/properties/with/propertyNames",keyword:"propertyNames",params:{propertyName: key1},message:"property name must be valid",schema:schema58.properties.with.propertyNames,parentSchema:schema58.properties.with,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
for(const key2 in data2){
let data3 = data2[key2];
if(((typeof data3 !== "string") && (!((typeof data3 == "number") && (isFinite(data3))))) && (typeof data3 !== "boolean")){
const err8 = {instancePath:instancePath+"/with/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/with/additionalProperties/type",keyword:"type",params:{type: schema58.properties.with.additionalProperties.type},message:"must be string,number,boolean",schema:schema58.properties.with.additionalProperties.type,parentSchema:schema58.properties.with.additionalProperties,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
else {
const err9 = {instancePath:instancePath+"/with",schemaPath:"#/properties/with/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema58.properties.with.type,parentSchema:schema58.properties.with,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.readonly !== undefined){
let data4 = data.readonly;
if(typeof data4 === "string"){
if(func2(data4) < 10){
const err10 = {instancePath:instancePath+"/readonly",schemaPath:"#/properties/readonly/minLength",keyword:"minLength",params:{limit: 10},message:"must NOT have fewer than 10 characters",schema:10,parentSchema:schema58.properties.readonly,data:data4};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/readonly",schemaPath:"#/properties/readonly/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema58.properties.readonly.type,parentSchema:schema58.properties.readonly,data:data4};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.parse !== undefined){
let data5 = data.parse;
const _errs21 = errors;
let valid7 = false;
const _errs22 = errors;
if(!((((((((((((((((((((((((((((((((((((data5 === "access-log") || (data5 === "auth-log")) || (data5 === "df")) || (data5 === "du")) || (data5 === "fail2ban-banned")) || (data5 === "fail2ban-status")) || (data5 === "firewall-objects")) || (data5 === "free")) || (data5 === "free-g")) || (data5 === "free-k")) || (data5 === "free-m")) || (data5 === "ipset")) || (data5 === "iptables")) || (data5 === "journal")) || (data5 === "json")) || (data5 === "kv")) || (data5 === "last")) || (data5 === "loadavg")) || (data5 === "meminfo")) || (data5 === "netstat")) || (data5 === "nft")) || (data5 === "ping")) || (data5 === "ps")) || (data5 === "ss")) || (data5 === "ss-summary")) || (data5 === "sshd-config")) || (data5 === "sshguard-log")) || (data5 === "sshguard-whitelist")) || (data5 === "swapon")) || (data5 === "systemctl-failed")) || (data5 === "systemctl-show")) || (data5 === "systemctl-status")) || (data5 === "traceroute")) || (data5 === "uptime")) || (data5 === "vmstat")) || (data5 === "who"))){
const err12 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf/0/enum",keyword:"enum",params:{allowedValues: schema52.anyOf[0].enum},message:"must be equal to one of the allowed values",schema:schema52.anyOf[0].enum,parentSchema:schema52.anyOf[0],data:data5};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
var _valid1 = _errs22 === errors;
valid7 = valid7 || _valid1;
const _errs23 = errors;
if(typeof data5 === "string"){
if(!pattern4.test(data5)){
const err13 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf/1/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9-]*$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9-]*$"+"\"",schema:"^[a-z0-9][a-z0-9-]*$",parentSchema:schema52.anyOf[1],data:data5};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema52.anyOf[1].type,parentSchema:schema52.anyOf[1],data:data5};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
var _valid1 = _errs23 === errors;
valid7 = valid7 || _valid1;
if(!valid7){
const err15 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema52.anyOf,parentSchema:schema52,data:data5};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
else {
errors = _errs21;
if(vErrors !== null){
if(_errs21){
vErrors.length = _errs21;
}
else {
vErrors = null;
}
}
}
}
if(data.needed_if !== undefined){
let data6 = data.needed_if;
if(typeof data6 === "string"){
if(func2(data6) < 1){
const err16 = {instancePath:instancePath+"/needed_if",schemaPath:"#/$defs/cel/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema35,data:data6};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
else {
const err17 = {instancePath:instancePath+"/needed_if",schemaPath:"#/$defs/cel/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.type,parentSchema:schema35,data:data6};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
}
else {
const err18 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema58.type,parentSchema:schema58,data};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
validate31.errors = vErrors;
return errors === 0;
}
validate31.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema64 = {"type":"object","additionalProperties":false,"description":"Read-only: did the fix work? A command on the target (run) or a probe from here.","properties":{"run":{"$ref":"#/$defs/template","description":"A read-only command on the target whose result says whether the fix worked (see expect)."},"readonly":{"type":"string","minLength":10,"description":"Vouch that this command is read-only when the read-only check cannot prove it (a program not on its allow-list, a computed command): say why it changes nothing. Reviewed like code; the reason is recorded with the command in plans and transcripts."},"probe":{"$ref":"#/$defs/probe","description":"A check from the operator's machine (tcp, ping or http), through a new connection for access fixes."},"parse":{"$ref":"#/$defs/parser","description":"A registered parser for the verify output, read by expect (`runbook parsers`)."},"expect":{"$ref":"#/$defs/cel","description":"Default: result.exitCode == 0 (run) or result.ok (probe)"},"retries":{"type":"integer","minimum":0,"maximum":20,"description":"How many more times to try verify before rolling back (0-20, default 0)."},"interval":{"$ref":"#/$defs/duration","description":"Wait between verify attempts (default 1s)."}}};

function validate33(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate33.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(((((((key0 === "run") || (key0 === "readonly")) || (key0 === "probe")) || (key0 === "parse")) || (key0 === "expect")) || (key0 === "retries")) || (key0 === "interval"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema64,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.run !== undefined){
let data0 = data.run;
if(typeof data0 !== "string"){
const err1 = {instancePath:instancePath+"/run",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.readonly !== undefined){
let data1 = data.readonly;
if(typeof data1 === "string"){
if(func2(data1) < 10){
const err2 = {instancePath:instancePath+"/readonly",schemaPath:"#/properties/readonly/minLength",keyword:"minLength",params:{limit: 10},message:"must NOT have fewer than 10 characters",schema:10,parentSchema:schema64.properties.readonly,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/readonly",schemaPath:"#/properties/readonly/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema64.properties.readonly.type,parentSchema:schema64.properties.readonly,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.probe !== undefined){
if(!(validate25(data.probe, {instancePath:instancePath+"/probe",parentData:data,parentDataProperty:"probe",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate25.errors : vErrors.concat(validate25.errors);
errors = vErrors.length;
}
}
if(data.parse !== undefined){
let data3 = data.parse;
const _errs10 = errors;
let valid3 = false;
const _errs11 = errors;
if(!((((((((((((((((((((((((((((((((((((data3 === "access-log") || (data3 === "auth-log")) || (data3 === "df")) || (data3 === "du")) || (data3 === "fail2ban-banned")) || (data3 === "fail2ban-status")) || (data3 === "firewall-objects")) || (data3 === "free")) || (data3 === "free-g")) || (data3 === "free-k")) || (data3 === "free-m")) || (data3 === "ipset")) || (data3 === "iptables")) || (data3 === "journal")) || (data3 === "json")) || (data3 === "kv")) || (data3 === "last")) || (data3 === "loadavg")) || (data3 === "meminfo")) || (data3 === "netstat")) || (data3 === "nft")) || (data3 === "ping")) || (data3 === "ps")) || (data3 === "ss")) || (data3 === "ss-summary")) || (data3 === "sshd-config")) || (data3 === "sshguard-log")) || (data3 === "sshguard-whitelist")) || (data3 === "swapon")) || (data3 === "systemctl-failed")) || (data3 === "systemctl-show")) || (data3 === "systemctl-status")) || (data3 === "traceroute")) || (data3 === "uptime")) || (data3 === "vmstat")) || (data3 === "who"))){
const err4 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf/0/enum",keyword:"enum",params:{allowedValues: schema52.anyOf[0].enum},message:"must be equal to one of the allowed values",schema:schema52.anyOf[0].enum,parentSchema:schema52.anyOf[0],data:data3};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
var _valid0 = _errs11 === errors;
valid3 = valid3 || _valid0;
const _errs12 = errors;
if(typeof data3 === "string"){
if(!pattern4.test(data3)){
const err5 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf/1/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9-]*$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9-]*$"+"\"",schema:"^[a-z0-9][a-z0-9-]*$",parentSchema:schema52.anyOf[1],data:data3};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema52.anyOf[1].type,parentSchema:schema52.anyOf[1],data:data3};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
var _valid0 = _errs12 === errors;
valid3 = valid3 || _valid0;
if(!valid3){
const err7 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema52.anyOf,parentSchema:schema52,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
else {
errors = _errs10;
if(vErrors !== null){
if(_errs10){
vErrors.length = _errs10;
}
else {
vErrors = null;
}
}
}
}
if(data.expect !== undefined){
let data4 = data.expect;
if(typeof data4 === "string"){
if(func2(data4) < 1){
const err8 = {instancePath:instancePath+"/expect",schemaPath:"#/$defs/cel/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema35,data:data4};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath:instancePath+"/expect",schemaPath:"#/$defs/cel/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.type,parentSchema:schema35,data:data4};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.retries !== undefined){
let data5 = data.retries;
if(!(((typeof data5 == "number") && (!(data5 % 1) && !isNaN(data5))) && (isFinite(data5)))){
const err10 = {instancePath:instancePath+"/retries",schemaPath:"#/properties/retries/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema64.properties.retries.type,parentSchema:schema64.properties.retries,data:data5};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
if((typeof data5 == "number") && (isFinite(data5))){
if(data5 > 20 || isNaN(data5)){
const err11 = {instancePath:instancePath+"/retries",schemaPath:"#/properties/retries/maximum",keyword:"maximum",params:{comparison: "<=", limit: 20},message:"must be <= 20",schema:20,parentSchema:schema64.properties.retries,data:data5};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
if(data5 < 0 || isNaN(data5)){
const err12 = {instancePath:instancePath+"/retries",schemaPath:"#/properties/retries/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema64.properties.retries,data:data5};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
}
if(data.interval !== undefined){
let data6 = data.interval;
if(typeof data6 === "string"){
if(!pattern6.test(data6)){
const err13 = {instancePath:instancePath+"/interval",schemaPath:"#/$defs/duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(ms|s|m|h)$"+"\"",schema:"^[0-9]+(ms|s|m|h)$",parentSchema:schema33,data:data6};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
else {
const err14 = {instancePath:instancePath+"/interval",schemaPath:"#/$defs/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema33.type,parentSchema:schema33,data:data6};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
}
else {
const err15 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema64.type,parentSchema:schema64,data};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
validate33.errors = vErrors;
return errors === 0;
}
validate33.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema71 = {"type":"object","additionalProperties":false,"required":["run","message"],"properties":{"run":{"$ref":"#/$defs/template","description":"A read-only command that must succeed (see expect) before the fix is approved or applied."},"readonly":{"type":"string","minLength":10,"description":"Vouch that this command is read-only when the read-only check cannot prove it (a program not on its allow-list, a computed command): say why it changes nothing. Reviewed like code; the reason is recorded with the command in plans and transcripts."},"parse":{"$ref":"#/$defs/parser","description":"A registered parser for the check's output, read by expect (`runbook parsers`)."},"expect":{"$ref":"#/$defs/cel","description":"Default: result.exitCode == 0"},"message":{"$ref":"#/$defs/template","description":"Why the fix is refused when the check fails."}}};

function validate36(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate36.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.run === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "run"},message:"must have required property '"+"run"+"'",schema:schema71.required,parentSchema:schema71,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.message === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "message"},message:"must have required property '"+"message"+"'",schema:schema71.required,parentSchema:schema71,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
for(const key0 in data){
if(!(((((key0 === "run") || (key0 === "readonly")) || (key0 === "parse")) || (key0 === "expect")) || (key0 === "message"))){
const err2 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema71,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.run !== undefined){
let data0 = data.run;
if(typeof data0 !== "string"){
const err3 = {instancePath:instancePath+"/run",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.readonly !== undefined){
let data1 = data.readonly;
if(typeof data1 === "string"){
if(func2(data1) < 10){
const err4 = {instancePath:instancePath+"/readonly",schemaPath:"#/properties/readonly/minLength",keyword:"minLength",params:{limit: 10},message:"must NOT have fewer than 10 characters",schema:10,parentSchema:schema71.properties.readonly,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/readonly",schemaPath:"#/properties/readonly/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema71.properties.readonly.type,parentSchema:schema71.properties.readonly,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.parse !== undefined){
let data2 = data.parse;
const _errs9 = errors;
let valid3 = false;
const _errs10 = errors;
if(!((((((((((((((((((((((((((((((((((((data2 === "access-log") || (data2 === "auth-log")) || (data2 === "df")) || (data2 === "du")) || (data2 === "fail2ban-banned")) || (data2 === "fail2ban-status")) || (data2 === "firewall-objects")) || (data2 === "free")) || (data2 === "free-g")) || (data2 === "free-k")) || (data2 === "free-m")) || (data2 === "ipset")) || (data2 === "iptables")) || (data2 === "journal")) || (data2 === "json")) || (data2 === "kv")) || (data2 === "last")) || (data2 === "loadavg")) || (data2 === "meminfo")) || (data2 === "netstat")) || (data2 === "nft")) || (data2 === "ping")) || (data2 === "ps")) || (data2 === "ss")) || (data2 === "ss-summary")) || (data2 === "sshd-config")) || (data2 === "sshguard-log")) || (data2 === "sshguard-whitelist")) || (data2 === "swapon")) || (data2 === "systemctl-failed")) || (data2 === "systemctl-show")) || (data2 === "systemctl-status")) || (data2 === "traceroute")) || (data2 === "uptime")) || (data2 === "vmstat")) || (data2 === "who"))){
const err6 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf/0/enum",keyword:"enum",params:{allowedValues: schema52.anyOf[0].enum},message:"must be equal to one of the allowed values",schema:schema52.anyOf[0].enum,parentSchema:schema52.anyOf[0],data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
var _valid0 = _errs10 === errors;
valid3 = valid3 || _valid0;
const _errs11 = errors;
if(typeof data2 === "string"){
if(!pattern4.test(data2)){
const err7 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf/1/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9-]*$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9-]*$"+"\"",schema:"^[a-z0-9][a-z0-9-]*$",parentSchema:schema52.anyOf[1],data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema52.anyOf[1].type,parentSchema:schema52.anyOf[1],data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
var _valid0 = _errs11 === errors;
valid3 = valid3 || _valid0;
if(!valid3){
const err9 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema52.anyOf,parentSchema:schema52,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
else {
errors = _errs9;
if(vErrors !== null){
if(_errs9){
vErrors.length = _errs9;
}
else {
vErrors = null;
}
}
}
}
if(data.expect !== undefined){
let data3 = data.expect;
if(typeof data3 === "string"){
if(func2(data3) < 1){
const err10 = {instancePath:instancePath+"/expect",schemaPath:"#/$defs/cel/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema35,data:data3};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/expect",schemaPath:"#/$defs/cel/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.type,parentSchema:schema35,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.message !== undefined){
let data4 = data.message;
if(typeof data4 !== "string"){
const err12 = {instancePath:instancePath+"/message",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data4};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
}
else {
const err13 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema71.type,parentSchema:schema71,data};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
validate36.errors = vErrors;
return errors === 0;
}
validate36.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema76 = {"type":"object","additionalProperties":false,"required":["path","content"],"properties":{"path":{"$ref":"#/$defs/template","description":"Absolute path of the file on the host."},"content":{"$ref":"#/$defs/template","description":"The whole new content (interpolated as text, not shell-quoted)."},"mode":{"type":"string","pattern":"^0?[0-7]{3,4}$","description":"File mode for a new file (default 0644); an existing file keeps its mode."}}};
const pattern26 = new RegExp("^0?[0-7]{3,4}$", "u");

function validate38(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate38.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.path === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "path"},message:"must have required property '"+"path"+"'",schema:schema76.required,parentSchema:schema76,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.content === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "content"},message:"must have required property '"+"content"+"'",schema:schema76.required,parentSchema:schema76,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
for(const key0 in data){
if(!(((key0 === "path") || (key0 === "content")) || (key0 === "mode"))){
const err2 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema76,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.path !== undefined){
let data0 = data.path;
if(typeof data0 !== "string"){
const err3 = {instancePath:instancePath+"/path",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.content !== undefined){
let data1 = data.content;
if(typeof data1 !== "string"){
const err4 = {instancePath:instancePath+"/content",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.mode !== undefined){
let data2 = data.mode;
if(typeof data2 === "string"){
if(!pattern26.test(data2)){
const err5 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/pattern",keyword:"pattern",params:{pattern: "^0?[0-7]{3,4}$"},message:"must match pattern \""+"^0?[0-7]{3,4}$"+"\"",schema:"^0?[0-7]{3,4}$",parentSchema:schema76.properties.mode,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/mode",schemaPath:"#/properties/mode/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema76.properties.mode.type,parentSchema:schema76.properties.mode,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
else {
const err7 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema76.type,parentSchema:schema76,data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
validate38.errors = vErrors;
return errors === 0;
}
validate38.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate30(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate30.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(func1.call(schema54.properties, key0))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema54,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.summary !== undefined){
let data0 = data.summary;
if(typeof data0 !== "string"){
const err1 = {instancePath:instancePath+"/summary",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.host !== undefined){
let data1 = data.host;
if(typeof data1 !== "string"){
const err2 = {instancePath:instancePath+"/host",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.sudo !== undefined){
let data2 = data.sudo;
if(typeof data2 !== "boolean"){
const err3 = {instancePath:instancePath+"/sudo",schemaPath:"#/properties/sudo/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema54.properties.sudo.type,parentSchema:schema54.properties.sudo,data:data2};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.timeout !== undefined){
let data3 = data.timeout;
if(typeof data3 === "string"){
if(!pattern6.test(data3)){
const err4 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(ms|s|m|h)$"+"\"",schema:"^[0-9]+(ms|s|m|h)$",parentSchema:schema33,data:data3};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema33.type,parentSchema:schema33,data:data3};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.check !== undefined){
if(!(validate31(data.check, {instancePath:instancePath+"/check",parentData:data,parentDataProperty:"check",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate31.errors : vErrors.concat(validate31.errors);
errors = vErrors.length;
}
}
if(data.apply !== undefined){
let data5 = data.apply;
if(Array.isArray(data5)){
if(data5.length < 1){
const err6 = {instancePath:instancePath+"/apply",schemaPath:"#/properties/apply/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema54.properties.apply,data:data5};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
const len0 = data5.length;
for(let i0=0; i0<len0; i0++){
let data6 = data5[i0];
if(typeof data6 !== "string"){
const err7 = {instancePath:instancePath+"/apply/" + i0,schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data6};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath:instancePath+"/apply",schemaPath:"#/properties/apply/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema54.properties.apply.type,parentSchema:schema54.properties.apply,data:data5};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.verify !== undefined){
if(!(validate33(data.verify, {instancePath:instancePath+"/verify",parentData:data,parentDataProperty:"verify",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate33.errors : vErrors.concat(validate33.errors);
errors = vErrors.length;
}
}
if(data.rollback !== undefined){
let data8 = data.rollback;
if(Array.isArray(data8)){
const len1 = data8.length;
for(let i1=0; i1<len1; i1++){
let data9 = data8[i1];
if(typeof data9 !== "string"){
const err9 = {instancePath:instancePath+"/rollback/" + i1,schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data9};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
}
else {
const err10 = {instancePath:instancePath+"/rollback",schemaPath:"#/properties/rollback/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema54.properties.rollback.type,parentSchema:schema54.properties.rollback,data:data8};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.access !== undefined){
let data10 = data.access;
if(typeof data10 !== "boolean"){
const err11 = {instancePath:instancePath+"/access",schemaPath:"#/properties/access/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema54.properties.access.type,parentSchema:schema54.properties.access,data:data10};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.confirm_within !== undefined){
let data11 = data.confirm_within;
if(typeof data11 === "string"){
if(!pattern6.test(data11)){
const err12 = {instancePath:instancePath+"/confirm_within",schemaPath:"#/$defs/duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(ms|s|m|h)$"+"\"",schema:"^[0-9]+(ms|s|m|h)$",parentSchema:schema33,data:data11};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/confirm_within",schemaPath:"#/$defs/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema33.type,parentSchema:schema33,data:data11};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data.preflight !== undefined){
let data12 = data.preflight;
if(Array.isArray(data12)){
const len2 = data12.length;
for(let i2=0; i2<len2; i2++){
if(!(validate36(data12[i2], {instancePath:instancePath+"/preflight/" + i2,parentData:data12,parentDataProperty:i2,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate36.errors : vErrors.concat(validate36.errors);
errors = vErrors.length;
}
}
}
else {
const err14 = {instancePath:instancePath+"/preflight",schemaPath:"#/properties/preflight/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema54.properties.preflight.type,parentSchema:schema54.properties.preflight,data:data12};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data.files !== undefined){
let data14 = data.files;
if(Array.isArray(data14)){
const len3 = data14.length;
for(let i3=0; i3<len3; i3++){
if(!(validate38(data14[i3], {instancePath:instancePath+"/files/" + i3,parentData:data14,parentDataProperty:i3,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate38.errors : vErrors.concat(validate38.errors);
errors = vErrors.length;
}
}
}
else {
const err15 = {instancePath:instancePath+"/files",schemaPath:"#/properties/files/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema54.properties.files.type,parentSchema:schema54.properties.files,data:data14};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
else {
const err16 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema54.type,parentSchema:schema54,data};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
validate30.errors = vErrors;
return errors === 0;
}
validate30.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema83 = {"description":"Where to go after the step: a step or outcome name, or an ordered list of {if, goto} ending with a default (no if).","anyOf":[{"$ref":"#/$defs/stepName"},{"type":"array","minItems":1,"items":{"$ref":"#/$defs/transition"}}]};
const schema85 = {"type":"object","additionalProperties":false,"required":["goto"],"properties":{"if":{"$ref":"#/$defs/cel","description":"A CEL guard over params, result, steps, facts and lets; the first transition whose guard is true is taken. Leave it out on the last one (the default)."},"goto":{"$ref":"#/$defs/stepName","description":"The step or outcome to go to."}}};

function validate42(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate42.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.goto === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "goto"},message:"must have required property '"+"goto"+"'",schema:schema85.required,parentSchema:schema85,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((key0 === "if") || (key0 === "goto"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema85,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.if !== undefined){
let data0 = data.if;
if(typeof data0 === "string"){
if(func2(data0) < 1){
const err2 = {instancePath:instancePath+"/if",schemaPath:"#/$defs/cel/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema35,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/if",schemaPath:"#/$defs/cel/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema35.type,parentSchema:schema35,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.goto !== undefined){
let data1 = data.goto;
if(typeof data1 === "string"){
if(!pattern5.test(data1)){
const err4 = {instancePath:instancePath+"/goto",schemaPath:"#/$defs/stepName/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema36,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/goto",schemaPath:"#/$defs/stepName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.type,parentSchema:schema36,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
}
else {
const err6 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema85.type,parentSchema:schema85,data};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
validate42.errors = vErrors;
return errors === 0;
}
validate42.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate41(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate41.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
const _errs0 = errors;
let valid0 = false;
const _errs1 = errors;
if(typeof data === "string"){
if(!pattern5.test(data)){
const err0 = {instancePath,schemaPath:"#/$defs/stepName/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema36,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
else {
const err1 = {instancePath,schemaPath:"#/$defs/stepName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.type,parentSchema:schema36,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
var _valid0 = _errs1 === errors;
valid0 = valid0 || _valid0;
const _errs4 = errors;
if(Array.isArray(data)){
if(data.length < 1){
const err2 = {instancePath,schemaPath:"#/anyOf/1/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema83.anyOf[1],data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
const len0 = data.length;
for(let i0=0; i0<len0; i0++){
if(!(validate42(data[i0], {instancePath:instancePath+"/" + i0,parentData:data,parentDataProperty:i0,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate42.errors : vErrors.concat(validate42.errors);
errors = vErrors.length;
}
}
}
else {
const err3 = {instancePath,schemaPath:"#/anyOf/1/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema83.anyOf[1].type,parentSchema:schema83.anyOf[1],data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
var _valid0 = _errs4 === errors;
valid0 = valid0 || _valid0;
if(_valid0){
var items0 = true;
}
if(!valid0){
const err4 = {instancePath,schemaPath:"#/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema83.anyOf,parentSchema:schema83,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
else {
errors = _errs0;
if(vErrors !== null){
if(_errs0){
vErrors.length = _errs0;
}
else {
vErrors = null;
}
}
}
validate41.errors = vErrors;
evaluated0.items = items0;
return errors === 0;
}
validate41.evaluated = {"dynamicProps":false,"dynamicItems":true};


function validate23(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate23.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
const _errs1 = errors;
let valid0 = true;
const _errs2 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
let missing0;
if((data.fix === undefined) && (missing0 = "fix")){
const err0 = {};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
else {
if(data.fix !== undefined){
let data0 = data.fix;
const _errs3 = errors;
if(!(data0 && typeof data0 == "object" && !Array.isArray(data0))){
const err1 = {};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
var valid1 = _errs3 === errors;
}
else {
var valid1 = true;
}
if(valid1){
if(data.uses !== undefined){
var valid1 = false;
const err2 = {};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
else {
var valid1 = true;
}
}
}
}
var _valid0 = _errs2 === errors;
errors = _errs1;
if(vErrors !== null){
if(_errs1){
vErrors.length = _errs1;
}
else {
vErrors = null;
}
}
if(_valid0){
const _errs5 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.fix !== undefined){
let data2 = data.fix;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.summary === undefined){
const err3 = {instancePath:instancePath+"/fix",schemaPath:"#/then/properties/fix/required",keyword:"required",params:{missingProperty: "summary"},message:"must have required property '"+"summary"+"'",schema:schema38.then.properties.fix.required,parentSchema:schema38.then.properties.fix,data:data2};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data2.apply === undefined){
const err4 = {instancePath:instancePath+"/fix",schemaPath:"#/then/properties/fix/required",keyword:"required",params:{missingProperty: "apply"},message:"must have required property '"+"apply"+"'",schema:schema38.then.properties.fix.required,parentSchema:schema38.then.properties.fix,data:data2};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/fix",schemaPath:"#/then/properties/fix/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema38.then.properties.fix.type,parentSchema:schema38.then.properties.fix,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
}
var _valid0 = _errs5 === errors;
valid0 = _valid0;
if(valid0){
var props0 = {};
props0.fix = true;
props0.uses = true;
}
}
if(!valid0){
const err6 = {instancePath,schemaPath:"#/if",keyword:"if",params:{failingKeyword: "then"},message:"must match \"then\" schema",schema:schema38.if,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(func1.call(schema38.properties, key0))){
const err7 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.title !== undefined){
let data3 = data.title;
if(typeof data3 !== "string"){
const err8 = {instancePath:instancePath+"/title",schemaPath:"#/properties/title/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema38.properties.title.type,parentSchema:schema38.properties.title,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.let !== undefined){
if(!(validate21(data.let, {instancePath:instancePath+"/let",parentData:data,parentDataProperty:"let",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate21.errors : vErrors.concat(validate21.errors);
errors = vErrors.length;
}
}
if(data.run !== undefined){
let data5 = data.run;
if(typeof data5 !== "string"){
const err9 = {instancePath:instancePath+"/run",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data5};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
if(data.uses !== undefined){
let data6 = data.uses;
const _errs17 = errors;
let valid6 = false;
const _errs18 = errors;
if(!(((((((((((((((data6 === "fail2ban/lift-ban") || (data6 === "fail2ban/status")) || (data6 === "files/archive-rotated")) || (data6 === "firewall/find-address")) || (data6 === "http/proxy-probe-clients")) || (data6 === "iptables/delete-rules")) || (data6 === "nft/delete-rules")) || (data6 === "process/listener-owners")) || (data6 === "process/owner")) || (data6 === "process/restart-owner")) || (data6 === "sshd/auth-log")) || (data6 === "sshd/harden-dropin")) || (data6 === "sshguard/lift-block")) || (data6 === "systemd/reset-failed-restart")) || (data6 === "tcp/waiting-connections"))){
const err10 = {instancePath:instancePath+"/uses",schemaPath:"#/$defs/uses/anyOf/0/enum",keyword:"enum",params:{allowedValues: schema40.anyOf[0].enum},message:"must be equal to one of the allowed values",schema:schema40.anyOf[0].enum,parentSchema:schema40.anyOf[0],data:data6};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
var _valid1 = _errs18 === errors;
valid6 = valid6 || _valid1;
const _errs19 = errors;
if(typeof data6 === "string"){
if(!pattern10.test(data6)){
const err11 = {instancePath:instancePath+"/uses",schemaPath:"#/$defs/uses/anyOf/1/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*(@[0-9]+)?$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*(@[0-9]+)?$"+"\"",schema:"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*(@[0-9]+)?$",parentSchema:schema40.anyOf[1],data:data6};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/uses",schemaPath:"#/$defs/uses/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema40.anyOf[1].type,parentSchema:schema40.anyOf[1],data:data6};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
var _valid1 = _errs19 === errors;
valid6 = valid6 || _valid1;
if(!valid6){
const err13 = {instancePath:instancePath+"/uses",schemaPath:"#/$defs/uses/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema40.anyOf,parentSchema:schema40,data:data6};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
else {
errors = _errs17;
if(vErrors !== null){
if(_errs17){
vErrors.length = _errs17;
}
else {
vErrors = null;
}
}
}
}
if(data.with !== undefined){
let data7 = data.with;
if(data7 && typeof data7 == "object" && !Array.isArray(data7)){
for(const key1 in data7){
const _errs23 = errors;
if(typeof key1 === "string"){
if(!pattern5.test(key1)){
const err14 = {instancePath:instancePath+"/with",schemaPath:"#/properties/with/propertyNames/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema38.properties.with.propertyNames,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
var valid7 = _errs23 === errors;
if(!valid7){
const err15 = {instancePath:instancePath+"/with",schemaPath:"#/properties/with/propertyNames",keyword:"propertyNames",params:{propertyName: key1},message:"property name must be valid",schema:schema38.properties.with.propertyNames,parentSchema:schema38.properties.with,data:data7};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
for(const key2 in data7){
let data8 = data7[key2];
if(((typeof data8 !== "string") && (!((typeof data8 == "number") && (isFinite(data8))))) && (typeof data8 !== "boolean")){
const err16 = {instancePath:instancePath+"/with/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/with/additionalProperties/type",keyword:"type",params:{type: schema38.properties.with.additionalProperties.type},message:"must be string,number,boolean",schema:schema38.properties.with.additionalProperties.type,parentSchema:schema38.properties.with.additionalProperties,data:data8};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
}
else {
const err17 = {instancePath:instancePath+"/with",schemaPath:"#/properties/with/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema38.properties.with.type,parentSchema:schema38.properties.with,data:data7};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data.readonly !== undefined){
let data9 = data.readonly;
if(typeof data9 === "string"){
if(func2(data9) < 10){
const err18 = {instancePath:instancePath+"/readonly",schemaPath:"#/properties/readonly/minLength",keyword:"minLength",params:{limit: 10},message:"must NOT have fewer than 10 characters",schema:10,parentSchema:schema38.properties.readonly,data:data9};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
else {
const err19 = {instancePath:instancePath+"/readonly",schemaPath:"#/properties/readonly/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema38.properties.readonly.type,parentSchema:schema38.properties.readonly,data:data9};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data.probe !== undefined){
if(!(validate25(data.probe, {instancePath:instancePath+"/probe",parentData:data,parentDataProperty:"probe",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate25.errors : vErrors.concat(validate25.errors);
errors = vErrors.length;
}
}
if(data.parallel !== undefined){
let data11 = data.parallel;
if(data11 && typeof data11 == "object" && !Array.isArray(data11)){
if(Object.keys(data11).length < 1){
const err20 = {instancePath:instancePath+"/parallel",schemaPath:"#/properties/parallel/minProperties",keyword:"minProperties",params:{limit: 1},message:"must NOT have fewer than 1 properties",schema:1,parentSchema:schema38.properties.parallel,data:data11};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
for(const key3 in data11){
const _errs32 = errors;
if(typeof key3 === "string"){
if(!pattern5.test(key3)){
const err21 = {instancePath:instancePath+"/parallel",schemaPath:"#/$defs/stepName/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema36,data:key3,propertyName:key3};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
else {
const err22 = {instancePath:instancePath+"/parallel",schemaPath:"#/$defs/stepName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.type,parentSchema:schema36,data:key3,propertyName:key3};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
var valid9 = _errs32 === errors;
if(!valid9){
const err23 = {instancePath:instancePath+"/parallel",schemaPath:"#/properties/parallel/propertyNames",keyword:"propertyNames",params:{propertyName: key3},message:"property name must be valid",schema:schema38.properties.parallel.propertyNames,parentSchema:schema38.properties.parallel,data:data11};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
for(const key4 in data11){
if(!(validate27(data11[key4], {instancePath:instancePath+"/parallel/" + key4.replace(/~/g, "~0").replace(/\//g, "~1"),parentData:data11,parentDataProperty:key4,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate27.errors : vErrors.concat(validate27.errors);
errors = vErrors.length;
}
}
}
else {
const err24 = {instancePath:instancePath+"/parallel",schemaPath:"#/properties/parallel/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema38.properties.parallel.type,parentSchema:schema38.properties.parallel,data:data11};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
if(data.fix !== undefined){
if(!(validate30(data.fix, {instancePath:instancePath+"/fix",parentData:data,parentDataProperty:"fix",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate30.errors : vErrors.concat(validate30.errors);
errors = vErrors.length;
}
}
if(data.host !== undefined){
let data14 = data.host;
if(typeof data14 !== "string"){
const err25 = {instancePath:instancePath+"/host",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data14};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
if(data.sudo !== undefined){
let data15 = data.sudo;
if(typeof data15 !== "boolean"){
const err26 = {instancePath:instancePath+"/sudo",schemaPath:"#/properties/sudo/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema38.properties.sudo.type,parentSchema:schema38.properties.sudo,data:data15};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
if(data.timeout !== undefined){
let data16 = data.timeout;
if(typeof data16 === "string"){
if(!pattern6.test(data16)){
const err27 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(ms|s|m|h)$"+"\"",schema:"^[0-9]+(ms|s|m|h)$",parentSchema:schema33,data:data16};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
else {
const err28 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema33.type,parentSchema:schema33,data:data16};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
if(data.parse !== undefined){
let data17 = data.parse;
const _errs48 = errors;
let valid15 = false;
const _errs49 = errors;
if(!((((((((((((((((((((((((((((((((((((data17 === "access-log") || (data17 === "auth-log")) || (data17 === "df")) || (data17 === "du")) || (data17 === "fail2ban-banned")) || (data17 === "fail2ban-status")) || (data17 === "firewall-objects")) || (data17 === "free")) || (data17 === "free-g")) || (data17 === "free-k")) || (data17 === "free-m")) || (data17 === "ipset")) || (data17 === "iptables")) || (data17 === "journal")) || (data17 === "json")) || (data17 === "kv")) || (data17 === "last")) || (data17 === "loadavg")) || (data17 === "meminfo")) || (data17 === "netstat")) || (data17 === "nft")) || (data17 === "ping")) || (data17 === "ps")) || (data17 === "ss")) || (data17 === "ss-summary")) || (data17 === "sshd-config")) || (data17 === "sshguard-log")) || (data17 === "sshguard-whitelist")) || (data17 === "swapon")) || (data17 === "systemctl-failed")) || (data17 === "systemctl-show")) || (data17 === "systemctl-status")) || (data17 === "traceroute")) || (data17 === "uptime")) || (data17 === "vmstat")) || (data17 === "who"))){
const err29 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf/0/enum",keyword:"enum",params:{allowedValues: schema52.anyOf[0].enum},message:"must be equal to one of the allowed values",schema:schema52.anyOf[0].enum,parentSchema:schema52.anyOf[0],data:data17};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
var _valid2 = _errs49 === errors;
valid15 = valid15 || _valid2;
const _errs50 = errors;
if(typeof data17 === "string"){
if(!pattern4.test(data17)){
const err30 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf/1/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9-]*$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9-]*$"+"\"",schema:"^[a-z0-9][a-z0-9-]*$",parentSchema:schema52.anyOf[1],data:data17};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
}
else {
const err31 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema52.anyOf[1].type,parentSchema:schema52.anyOf[1],data:data17};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
var _valid2 = _errs50 === errors;
valid15 = valid15 || _valid2;
if(!valid15){
const err32 = {instancePath:instancePath+"/parse",schemaPath:"#/$defs/parser/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema52.anyOf,parentSchema:schema52,data:data17};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
else {
errors = _errs48;
if(vErrors !== null){
if(_errs48){
vErrors.length = _errs48;
}
else {
vErrors = null;
}
}
}
}
if(data.ok_exit !== undefined){
let data18 = data.ok_exit;
const _errs54 = errors;
let valid17 = false;
const _errs55 = errors;
if("any" !== data18){
const err33 = {instancePath:instancePath+"/ok_exit",schemaPath:"#/$defs/okExit/anyOf/0/const",keyword:"const",params:{allowedValue: "any"},message:"must be equal to constant",schema:"any",parentSchema:schema53.anyOf[0],data:data18};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
var _valid3 = _errs55 === errors;
valid17 = valid17 || _valid3;
const _errs56 = errors;
if(Array.isArray(data18)){
if(data18.length < 1){
const err34 = {instancePath:instancePath+"/ok_exit",schemaPath:"#/$defs/okExit/anyOf/1/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema53.anyOf[1],data:data18};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
const len0 = data18.length;
for(let i0=0; i0<len0; i0++){
let data19 = data18[i0];
if(!(((typeof data19 == "number") && (!(data19 % 1) && !isNaN(data19))) && (isFinite(data19)))){
const err35 = {instancePath:instancePath+"/ok_exit/" + i0,schemaPath:"#/$defs/okExit/anyOf/1/items/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema53.anyOf[1].items.type,parentSchema:schema53.anyOf[1].items,data:data19};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
if((typeof data19 == "number") && (isFinite(data19))){
if(data19 > 255 || isNaN(data19)){
const err36 = {instancePath:instancePath+"/ok_exit/" + i0,schemaPath:"#/$defs/okExit/anyOf/1/items/maximum",keyword:"maximum",params:{comparison: "<=", limit: 255},message:"must be <= 255",schema:255,parentSchema:schema53.anyOf[1].items,data:data19};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
if(data19 < 0 || isNaN(data19)){
const err37 = {instancePath:instancePath+"/ok_exit/" + i0,schemaPath:"#/$defs/okExit/anyOf/1/items/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema53.anyOf[1].items,data:data19};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
}
}
}
else {
const err38 = {instancePath:instancePath+"/ok_exit",schemaPath:"#/$defs/okExit/anyOf/1/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema53.anyOf[1].type,parentSchema:schema53.anyOf[1],data:data18};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
var _valid3 = _errs56 === errors;
valid17 = valid17 || _valid3;
if(!valid17){
const err39 = {instancePath:instancePath+"/ok_exit",schemaPath:"#/$defs/okExit/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema53.anyOf,parentSchema:schema53,data:data18};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
else {
errors = _errs54;
if(vErrors !== null){
if(_errs54){
vErrors.length = _errs54;
}
else {
vErrors = null;
}
}
}
}
if(data.next !== undefined){
if(!(validate41(data.next, {instancePath:instancePath+"/next",parentData:data,parentDataProperty:"next",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate41.errors : vErrors.concat(validate41.errors);
errors = vErrors.length;
}
}
if(data.on_failure !== undefined){
let data21 = data.on_failure;
if(typeof data21 === "string"){
if(!pattern5.test(data21)){
const err40 = {instancePath:instancePath+"/on_failure",schemaPath:"#/$defs/stepName/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema36,data:data21};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
}
else {
const err41 = {instancePath:instancePath+"/on_failure",schemaPath:"#/$defs/stepName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.type,parentSchema:schema36,data:data21};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
}
if(data.on_timeout !== undefined){
let data22 = data.on_timeout;
if(typeof data22 === "string"){
if(!pattern5.test(data22)){
const err42 = {instancePath:instancePath+"/on_timeout",schemaPath:"#/$defs/stepName/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema36,data:data22};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
}
else {
const err43 = {instancePath:instancePath+"/on_timeout",schemaPath:"#/$defs/stepName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.type,parentSchema:schema36,data:data22};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
}
if(data.on_error !== undefined){
let data23 = data.on_error;
if(typeof data23 === "string"){
if(!pattern5.test(data23)){
const err44 = {instancePath:instancePath+"/on_error",schemaPath:"#/$defs/stepName/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema36,data:data23};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
}
else {
const err45 = {instancePath:instancePath+"/on_error",schemaPath:"#/$defs/stepName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.type,parentSchema:schema36,data:data23};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
}
}
if(data.on_rollback !== undefined){
let data24 = data.on_rollback;
if(typeof data24 === "string"){
if(!pattern5.test(data24)){
const err46 = {instancePath:instancePath+"/on_rollback",schemaPath:"#/$defs/stepName/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema36,data:data24};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
}
}
else {
const err47 = {instancePath:instancePath+"/on_rollback",schemaPath:"#/$defs/stepName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.type,parentSchema:schema36,data:data24};
if(vErrors === null){
vErrors = [err47];
}
else {
vErrors.push(err47);
}
errors++;
}
}
}
else {
const err48 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema38.type,parentSchema:schema38,data};
if(vErrors === null){
vErrors = [err48];
}
else {
vErrors.push(err48);
}
errors++;
}
validate23.errors = vErrors;
return errors === 0;
}
validate23.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema93 = {"type":"object","additionalProperties":false,"required":["severity","summary"],"properties":{"severity":{"enum":["ok","info","warning","critical"],"description":"ok (nothing wrong), info, warning or critical: how bad the diagnosed state is."},"summary":{"$ref":"#/$defs/template","description":"One line: what was found, a template over params, steps, facts and lets."},"evidence":{"type":"array","items":{"$ref":"#/$defs/evidence"},"description":"What proves the outcome: templates, or {step, contains, max_lines} to quote a step's output."},"see":{"type":"array","items":{"type":"string"},"description":"Other runbooks worth running next."}}};
const schema95 = {"anyOf":[{"$ref":"#/$defs/template"},{"type":"object","additionalProperties":false,"required":["step"],"properties":{"step":{"$ref":"#/$defs/stepName","description":"The step whose output lines to quote."},"contains":{"$ref":"#/$defs/template","description":"Only output lines containing this text."},"max_lines":{"type":"integer","minimum":1,"description":"At most this many lines (default 20)."}}}]};

function validate47(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate47.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
const _errs0 = errors;
let valid0 = false;
const _errs1 = errors;
if(typeof data !== "string"){
const err0 = {instancePath,schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
var _valid0 = _errs1 === errors;
valid0 = valid0 || _valid0;
const _errs4 = errors;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.step === undefined){
const err1 = {instancePath,schemaPath:"#/anyOf/1/required",keyword:"required",params:{missingProperty: "step"},message:"must have required property '"+"step"+"'",schema:schema95.anyOf[1].required,parentSchema:schema95.anyOf[1],data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
for(const key0 in data){
if(!(((key0 === "step") || (key0 === "contains")) || (key0 === "max_lines"))){
const err2 = {instancePath,schemaPath:"#/anyOf/1/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema95.anyOf[1],data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.step !== undefined){
let data0 = data.step;
if(typeof data0 === "string"){
if(!pattern5.test(data0)){
const err3 = {instancePath:instancePath+"/step",schemaPath:"#/$defs/stepName/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema36,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/step",schemaPath:"#/$defs/stepName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.type,parentSchema:schema36,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.contains !== undefined){
let data1 = data.contains;
if(typeof data1 !== "string"){
const err5 = {instancePath:instancePath+"/contains",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.max_lines !== undefined){
let data2 = data.max_lines;
if(!(((typeof data2 == "number") && (!(data2 % 1) && !isNaN(data2))) && (isFinite(data2)))){
const err6 = {instancePath:instancePath+"/max_lines",schemaPath:"#/anyOf/1/properties/max_lines/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema95.anyOf[1].properties.max_lines.type,parentSchema:schema95.anyOf[1].properties.max_lines,data:data2};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if((typeof data2 == "number") && (isFinite(data2))){
if(data2 < 1 || isNaN(data2)){
const err7 = {instancePath:instancePath+"/max_lines",schemaPath:"#/anyOf/1/properties/max_lines/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema95.anyOf[1].properties.max_lines,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
}
else {
const err8 = {instancePath,schemaPath:"#/anyOf/1/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema95.anyOf[1].type,parentSchema:schema95.anyOf[1],data};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
var _valid0 = _errs4 === errors;
valid0 = valid0 || _valid0;
if(_valid0){
var props0 = true;
}
if(!valid0){
const err9 = {instancePath,schemaPath:"#/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema95.anyOf,parentSchema:schema95,data};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
else {
errors = _errs0;
if(vErrors !== null){
if(_errs0){
vErrors.length = _errs0;
}
else {
vErrors = null;
}
}
}
validate47.errors = vErrors;
evaluated0.props = props0;
return errors === 0;
}
validate47.evaluated = {"dynamicProps":true,"dynamicItems":false};


function validate46(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate46.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.severity === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "severity"},message:"must have required property '"+"severity"+"'",schema:schema93.required,parentSchema:schema93,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.summary === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "summary"},message:"must have required property '"+"summary"+"'",schema:schema93.required,parentSchema:schema93,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
for(const key0 in data){
if(!((((key0 === "severity") || (key0 === "summary")) || (key0 === "evidence")) || (key0 === "see"))){
const err2 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema93,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.severity !== undefined){
let data0 = data.severity;
if(!((((data0 === "ok") || (data0 === "info")) || (data0 === "warning")) || (data0 === "critical"))){
const err3 = {instancePath:instancePath+"/severity",schemaPath:"#/properties/severity/enum",keyword:"enum",params:{allowedValues: schema93.properties.severity.enum},message:"must be equal to one of the allowed values",schema:schema93.properties.severity.enum,parentSchema:schema93.properties.severity,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.summary !== undefined){
let data1 = data.summary;
if(typeof data1 !== "string"){
const err4 = {instancePath:instancePath+"/summary",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.evidence !== undefined){
let data2 = data.evidence;
if(Array.isArray(data2)){
const len0 = data2.length;
for(let i0=0; i0<len0; i0++){
if(!(validate47(data2[i0], {instancePath:instancePath+"/evidence/" + i0,parentData:data2,parentDataProperty:i0,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate47.errors : vErrors.concat(validate47.errors);
errors = vErrors.length;
}
}
}
else {
const err5 = {instancePath:instancePath+"/evidence",schemaPath:"#/properties/evidence/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema93.properties.evidence.type,parentSchema:schema93.properties.evidence,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.see !== undefined){
let data4 = data.see;
if(Array.isArray(data4)){
const len1 = data4.length;
for(let i1=0; i1<len1; i1++){
let data5 = data4[i1];
if(typeof data5 !== "string"){
const err6 = {instancePath:instancePath+"/see/" + i1,schemaPath:"#/properties/see/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema93.properties.see.items.type,parentSchema:schema93.properties.see.items,data:data5};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
else {
const err7 = {instancePath:instancePath+"/see",schemaPath:"#/properties/see/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema93.properties.see.type,parentSchema:schema93.properties.see,data:data4};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema93.type,parentSchema:schema93,data};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
validate46.errors = vErrors;
return errors === 0;
}
validate46.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate20(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
/*# sourceURL="https://runbook.dev/schemas/runbook.schema.json" */;
let vErrors = null;
let errors = 0;
const evaluated0 = validate20.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.apiVersion === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "apiVersion"},message:"must have required property '"+"apiVersion"+"'",schema:schema31.required,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.name === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema31.required,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.summary === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "summary"},message:"must have required property '"+"summary"+"'",schema:schema31.required,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.steps === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "steps"},message:"must have required property '"+"steps"+"'",schema:schema31.required,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data.outcomes === undefined){
const err4 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "outcomes"},message:"must have required property '"+"outcomes"+"'",schema:schema31.required,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
for(const key0 in data){
if(!(func1.call(schema31.properties, key0))){
const err5 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.apiVersion !== undefined){
let data0 = data.apiVersion;
if("runbook/v1" !== data0){
const err6 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/const",keyword:"const",params:{allowedValue: "runbook/v1"},message:"must be equal to constant",schema:"runbook/v1",parentSchema:schema31.properties.apiVersion,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.name !== undefined){
let data1 = data.name;
if(typeof data1 === "string"){
if(!pattern4.test(data1)){
const err7 = {instancePath:instancePath+"/name",schemaPath:"#/properties/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9-]*$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9-]*$"+"\"",schema:"^[a-z0-9][a-z0-9-]*$",parentSchema:schema31.properties.name,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/name",schemaPath:"#/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema31.properties.name.type,parentSchema:schema31.properties.name,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.summary !== undefined){
let data2 = data.summary;
if(typeof data2 === "string"){
if(func2(data2) < 1){
const err9 = {instancePath:instancePath+"/summary",schemaPath:"#/properties/summary/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema31.properties.summary,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/summary",schemaPath:"#/properties/summary/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema31.properties.summary.type,parentSchema:schema31.properties.summary,data:data2};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.description !== undefined){
let data3 = data.description;
if(typeof data3 !== "string"){
const err11 = {instancePath:instancePath+"/description",schemaPath:"#/properties/description/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema31.properties.description.type,parentSchema:schema31.properties.description,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.params !== undefined){
let data4 = data.params;
if(data4 && typeof data4 == "object" && !Array.isArray(data4)){
for(const key1 in data4){
const _errs11 = errors;
if(typeof key1 === "string"){
if(!pattern5.test(key1)){
const err12 = {instancePath:instancePath+"/params",schemaPath:"#/properties/params/propertyNames/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema31.properties.params.propertyNames,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
var valid1 = _errs11 === errors;
if(!valid1){
const err13 = {instancePath:instancePath+"/params",schemaPath:"#/properties/params/propertyNames",keyword:"propertyNames",params:{propertyName: key1},message:"property name must be valid",schema:schema31.properties.params.propertyNames,parentSchema:schema31.properties.params,data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
for(const key2 in data4){
let data5 = data4[key2];
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
if(data5.type === undefined){
const err14 = {instancePath:instancePath+"/params/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/param/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema32.required,parentSchema:schema32,data:data5};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
for(const key3 in data5){
if(!(func1.call(schema32.properties, key3))){
const err15 = {instancePath:instancePath+"/params/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/param/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema32,data:data5};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data5.type !== undefined){
let data6 = data5.type;
if(!((((((((((((data6 === "ip") || (data6 === "cidr")) || (data6 === "host")) || (data6 === "port")) || (data6 === "unit")) || (data6 === "user")) || (data6 === "path")) || (data6 === "duration")) || (data6 === "int")) || (data6 === "bool")) || (data6 === "enum")) || (data6 === "string"))){
const err16 = {instancePath:instancePath+"/params/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/type",schemaPath:"#/$defs/param/properties/type/enum",keyword:"enum",params:{allowedValues: schema32.properties.type.enum},message:"must be equal to one of the allowed values",schema:schema32.properties.type.enum,parentSchema:schema32.properties.type,data:data6};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data5.description !== undefined){
let data7 = data5.description;
if(typeof data7 !== "string"){
const err17 = {instancePath:instancePath+"/params/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/description",schemaPath:"#/$defs/param/properties/description/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.properties.description.type,parentSchema:schema32.properties.description,data:data7};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data5.required !== undefined){
let data8 = data5.required;
if(typeof data8 !== "boolean"){
const err18 = {instancePath:instancePath+"/params/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/required",schemaPath:"#/$defs/param/properties/required/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema32.properties.required.type,parentSchema:schema32.properties.required,data:data8};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
if(data5.default !== undefined){
let data9 = data5.default;
if(((typeof data9 !== "string") && (!((typeof data9 == "number") && (isFinite(data9))))) && (typeof data9 !== "boolean")){
const err19 = {instancePath:instancePath+"/params/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/default",schemaPath:"#/$defs/param/properties/default/type",keyword:"type",params:{type: schema32.properties.default.type},message:"must be string,number,boolean",schema:schema32.properties.default.type,parentSchema:schema32.properties.default,data:data9};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data5.secret !== undefined){
let data10 = data5.secret;
if(typeof data10 !== "boolean"){
const err20 = {instancePath:instancePath+"/params/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/secret",schemaPath:"#/$defs/param/properties/secret/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema32.properties.secret.type,parentSchema:schema32.properties.secret,data:data10};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
if(data5.pattern !== undefined){
let data11 = data5.pattern;
if(typeof data11 !== "string"){
const err21 = {instancePath:instancePath+"/params/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/pattern",schemaPath:"#/$defs/param/properties/pattern/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.properties.pattern.type,parentSchema:schema32.properties.pattern,data:data11};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data5.allow_leading_dash !== undefined){
let data12 = data5.allow_leading_dash;
if(typeof data12 !== "boolean"){
const err22 = {instancePath:instancePath+"/params/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/allow_leading_dash",schemaPath:"#/$defs/param/properties/allow_leading_dash/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema32.properties.allow_leading_dash.type,parentSchema:schema32.properties.allow_leading_dash,data:data12};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
if(data5.values !== undefined){
let data13 = data5.values;
if(Array.isArray(data13)){
if(data13.length < 1){
const err23 = {instancePath:instancePath+"/params/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/values",schemaPath:"#/$defs/param/properties/values/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema32.properties.values,data:data13};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
const len0 = data13.length;
for(let i0=0; i0<len0; i0++){
let data14 = data13[i0];
if(typeof data14 !== "string"){
const err24 = {instancePath:instancePath+"/params/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/values/" + i0,schemaPath:"#/$defs/param/properties/values/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema32.properties.values.items.type,parentSchema:schema32.properties.values.items,data:data14};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
}
else {
const err25 = {instancePath:instancePath+"/params/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/values",schemaPath:"#/$defs/param/properties/values/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema32.properties.values.type,parentSchema:schema32.properties.values,data:data13};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
if(data5.min !== undefined){
let data15 = data5.min;
if(!(((typeof data15 == "number") && (!(data15 % 1) && !isNaN(data15))) && (isFinite(data15)))){
const err26 = {instancePath:instancePath+"/params/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/min",schemaPath:"#/$defs/param/properties/min/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema32.properties.min.type,parentSchema:schema32.properties.min,data:data15};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
if(data5.max !== undefined){
let data16 = data5.max;
if(!(((typeof data16 == "number") && (!(data16 % 1) && !isNaN(data16))) && (isFinite(data16)))){
const err27 = {instancePath:instancePath+"/params/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/max",schemaPath:"#/$defs/param/properties/max/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema32.properties.max.type,parentSchema:schema32.properties.max,data:data16};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
}
else {
const err28 = {instancePath:instancePath+"/params/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/param/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema32.type,parentSchema:schema32,data:data5};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
}
else {
const err29 = {instancePath:instancePath+"/params",schemaPath:"#/properties/params/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema31.properties.params.type,parentSchema:schema31.properties.params,data:data4};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
if(data.defaults !== undefined){
let data17 = data.defaults;
if(data17 && typeof data17 == "object" && !Array.isArray(data17)){
for(const key4 in data17){
if(!((key4 === "timeout") || (key4 === "sudo"))){
const err30 = {instancePath:instancePath+"/defaults",schemaPath:"#/properties/defaults/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key4},message:"must NOT have additional properties",schema:false,parentSchema:schema31.properties.defaults,data:data17};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
}
if(data17.timeout !== undefined){
let data18 = data17.timeout;
if(typeof data18 === "string"){
if(!pattern6.test(data18)){
const err31 = {instancePath:instancePath+"/defaults/timeout",schemaPath:"#/$defs/duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(ms|s|m|h)$"+"\"",schema:"^[0-9]+(ms|s|m|h)$",parentSchema:schema33,data:data18};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
else {
const err32 = {instancePath:instancePath+"/defaults/timeout",schemaPath:"#/$defs/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema33.type,parentSchema:schema33,data:data18};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
}
if(data17.sudo !== undefined){
let data19 = data17.sudo;
if(typeof data19 !== "boolean"){
const err33 = {instancePath:instancePath+"/defaults/sudo",schemaPath:"#/properties/defaults/properties/sudo/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema31.properties.defaults.properties.sudo.type,parentSchema:schema31.properties.defaults.properties.sudo,data:data19};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
}
}
else {
const err34 = {instancePath:instancePath+"/defaults",schemaPath:"#/properties/defaults/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema31.properties.defaults.type,parentSchema:schema31.properties.defaults,data:data17};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
if(data.let !== undefined){
if(!(validate21(data.let, {instancePath:instancePath+"/let",parentData:data,parentDataProperty:"let",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate21.errors : vErrors.concat(validate21.errors);
errors = vErrors.length;
}
}
if(data.start !== undefined){
let data21 = data.start;
if(typeof data21 === "string"){
if(!pattern5.test(data21)){
const err35 = {instancePath:instancePath+"/start",schemaPath:"#/$defs/stepName/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema36,data:data21};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
}
else {
const err36 = {instancePath:instancePath+"/start",schemaPath:"#/$defs/stepName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.type,parentSchema:schema36,data:data21};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
}
if(data.steps !== undefined){
let data22 = data.steps;
if(data22 && typeof data22 == "object" && !Array.isArray(data22)){
if(Object.keys(data22).length < 1){
const err37 = {instancePath:instancePath+"/steps",schemaPath:"#/properties/steps/minProperties",keyword:"minProperties",params:{limit: 1},message:"must NOT have fewer than 1 properties",schema:1,parentSchema:schema31.properties.steps,data:data22};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
for(const key5 in data22){
const _errs52 = errors;
if(typeof key5 === "string"){
if(!pattern5.test(key5)){
const err38 = {instancePath:instancePath+"/steps",schemaPath:"#/$defs/stepName/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema36,data:key5,propertyName:key5};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
}
else {
const err39 = {instancePath:instancePath+"/steps",schemaPath:"#/$defs/stepName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.type,parentSchema:schema36,data:key5,propertyName:key5};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
var valid10 = _errs52 === errors;
if(!valid10){
const err40 = {instancePath:instancePath+"/steps",schemaPath:"#/properties/steps/propertyNames",keyword:"propertyNames",params:{propertyName: key5},message:"property name must be valid",schema:schema31.properties.steps.propertyNames,parentSchema:schema31.properties.steps,data:data22};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
}
for(const key6 in data22){
if(!(validate23(data22[key6], {instancePath:instancePath+"/steps/" + key6.replace(/~/g, "~0").replace(/\//g, "~1"),parentData:data22,parentDataProperty:key6,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate23.errors : vErrors.concat(validate23.errors);
errors = vErrors.length;
}
}
}
else {
const err41 = {instancePath:instancePath+"/steps",schemaPath:"#/properties/steps/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema31.properties.steps.type,parentSchema:schema31.properties.steps,data:data22};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
}
if(data.outcomes !== undefined){
let data24 = data.outcomes;
if(data24 && typeof data24 == "object" && !Array.isArray(data24)){
if(Object.keys(data24).length < 1){
const err42 = {instancePath:instancePath+"/outcomes",schemaPath:"#/properties/outcomes/minProperties",keyword:"minProperties",params:{limit: 1},message:"must NOT have fewer than 1 properties",schema:1,parentSchema:schema31.properties.outcomes,data:data24};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
for(const key7 in data24){
const _errs59 = errors;
if(typeof key7 === "string"){
if(!pattern5.test(key7)){
const err43 = {instancePath:instancePath+"/outcomes",schemaPath:"#/$defs/stepName/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema36,data:key7,propertyName:key7};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
}
else {
const err44 = {instancePath:instancePath+"/outcomes",schemaPath:"#/$defs/stepName/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema36.type,parentSchema:schema36,data:key7,propertyName:key7};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
var valid13 = _errs59 === errors;
if(!valid13){
const err45 = {instancePath:instancePath+"/outcomes",schemaPath:"#/properties/outcomes/propertyNames",keyword:"propertyNames",params:{propertyName: key7},message:"property name must be valid",schema:schema31.properties.outcomes.propertyNames,parentSchema:schema31.properties.outcomes,data:data24};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
}
}
for(const key8 in data24){
if(!(validate46(data24[key8], {instancePath:instancePath+"/outcomes/" + key8.replace(/~/g, "~0").replace(/\//g, "~1"),parentData:data24,parentDataProperty:key8,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate46.errors : vErrors.concat(validate46.errors);
errors = vErrors.length;
}
}
}
else {
const err46 = {instancePath:instancePath+"/outcomes",schemaPath:"#/properties/outcomes/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema31.properties.outcomes.type,parentSchema:schema31.properties.outcomes,data:data24};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
}
}
}
else {
const err47 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema31.type,parentSchema:schema31,data};
if(vErrors === null){
vErrors = [err47];
}
else {
vErrors.push(err47);
}
errors++;
}
validate20.errors = vErrors;
return errors === 0;
}
validate20.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

export const action = validate50;
const schema99 = {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://runbook.dev/schemas/action.schema.json","title":"runbook action","description":"A reusable, typed step body: a read-only command (run) or a fix (check/apply/verify/rollback, preflight, files, access). A runbook step uses it with `uses: <namespace>/<name>` and `with:` inputs; it is expanded when the runbook is compiled. File: actions/<namespace>/<name>.yaml.","type":"object","additionalProperties":false,"required":["apiVersion","name","version","summary","outputs"],"properties":{"apiVersion":{"const":"runbook-action/v1","description":"Format version of an action file. Always runbook-action/v1."},"name":{"type":"string","pattern":"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$","description":"<namespace>/<name>, the same as the file's place: actions/<namespace>/<name>.yaml. Steps name it in `uses:`."},"version":{"type":"integer","minimum":1,"description":"Version of the action. Bump it when its commands or inputs change; `uses: ns/name@N` pins it, and transcripts record ns/name@N with each command it produced."},"summary":{"type":"string","minLength":1,"description":"One line: what the action does, shown by `runbook actions`."},"description":{"type":"string","description":"Longer text: host variants it handles, what it leaves behind."},"inputs":{"type":"object","description":"Typed inputs, read in the action's templates and expressions as inputs.<name>. Same types and rules as runbook params; values are shell-quoted by the engine.","propertyNames":{"pattern":"^[a-z_][a-z0-9_]*$","description":"An input name: lower case, digits and _."},"additionalProperties":{"$ref":"#/$defs/input"}},"outputs":{"$ref":"#/$defs/outputs","description":"What the step's result holds after the action ran: a parser, or a result shape (fields)."},"run":{"$ref":"#/$defs/run","description":"A read-only command on the target (a run action). Exactly one of run or fix."},"fix":{"$ref":"runbook.schema.json#/$defs/fix","description":"A fix body: summary, check, apply, verify, rollback, preflight, files, access. A step that uses it may override any of these keys in its own fix: (a verify that knows the service, a summary in the runbook's words)."}},"$defs":{"input":{"type":"object","additionalProperties":false,"required":["type","description"],"description":"One typed input.","properties":{"type":{"enum":["ip","cidr","host","port","unit","user","path","duration","int","bool","enum","string","list"],"description":"As for runbook params: ip, cidr, host, port, unit, user, path, duration, int, bool, enum (one of values), string (optionally matching pattern). list (actions only): a list of strings, given by a ${{ }} expression; in a command each element is one shell-quoted word."},"description":{"type":"string","minLength":1,"description":"What the input is, shown by `runbook actions`."},"required":{"type":"boolean","description":"The step must give it in with: (default false)."},"default":{"type":["string","number","boolean"],"description":"Value when with: does not give one; must match the type."},"pattern":{"type":"string","description":"string: a regular expression the whole value must match."},"values":{"type":"array","items":{"type":"string"},"minItems":1,"description":"enum: the allowed values."},"min":{"type":"integer","description":"int, port: the smallest value allowed."},"max":{"type":"integer","description":"int, port: the largest value allowed."}}},"outputs":{"type":"object","additionalProperties":false,"required":["description"],"description":"What the step's result holds after the action ran (for a fix: the result of its check, read by guards of the fix).","properties":{"description":{"type":"string","minLength":1,"description":"The result in one or two sentences."},"parser":{"$ref":"runbook.schema.json#/$defs/parser","description":"The registered parser that gives the result (`runbook parsers NAME` lists its fields). A run action's command is parsed with it; a fix action's check must name the same parser."},"fields":{"type":"object","description":"A result shape without a parser: field name → what it holds (e.g. lines: one line per firewall object found).","additionalProperties":{"type":"string","description":"What the field holds."}}}},"run":{"type":"object","additionalProperties":false,"required":["run"],"description":"A read-only command on the target: the body of a run step.","properties":{"run":{"$ref":"runbook.schema.json#/$defs/template","description":"The shell command. Reads inputs.<name>; values are shell-quoted by the engine."},"readonly":{"type":"string","minLength":10,"description":"Vouch that the command is read-only when the read-only check cannot prove it: say why it changes nothing."},"sudo":{"type":"boolean","description":"Run with sudo (default: the runbook's default; a step may override it)."},"timeout":{"$ref":"runbook.schema.json#/$defs/duration","description":"Command timeout (a step may override it)."},"ok_exit":{"$ref":"runbook.schema.json#/$defs/okExit","description":"Exit codes that count as success (default [0])."}}}}};
const schema100 = {"type":"object","additionalProperties":false,"required":["type","description"],"description":"One typed input.","properties":{"type":{"enum":["ip","cidr","host","port","unit","user","path","duration","int","bool","enum","string","list"],"description":"As for runbook params: ip, cidr, host, port, unit, user, path, duration, int, bool, enum (one of values), string (optionally matching pattern). list (actions only): a list of strings, given by a ${{ }} expression; in a command each element is one shell-quoted word."},"description":{"type":"string","minLength":1,"description":"What the input is, shown by `runbook actions`."},"required":{"type":"boolean","description":"The step must give it in with: (default false)."},"default":{"type":["string","number","boolean"],"description":"Value when with: does not give one; must match the type."},"pattern":{"type":"string","description":"string: a regular expression the whole value must match."},"values":{"type":"array","items":{"type":"string"},"minItems":1,"description":"enum: the allowed values."},"min":{"type":"integer","description":"int, port: the smallest value allowed."},"max":{"type":"integer","description":"int, port: the largest value allowed."}}};
const pattern37 = new RegExp("^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$", "u");
const schema101 = {"type":"object","additionalProperties":false,"required":["description"],"description":"What the step's result holds after the action ran (for a fix: the result of its check, read by guards of the fix).","properties":{"description":{"type":"string","minLength":1,"description":"The result in one or two sentences."},"parser":{"$ref":"runbook.schema.json#/$defs/parser","description":"The registered parser that gives the result (`runbook parsers NAME` lists its fields). A run action's command is parsed with it; a fix action's check must name the same parser."},"fields":{"type":"object","description":"A result shape without a parser: field name → what it holds (e.g. lines: one line per firewall object found).","additionalProperties":{"type":"string","description":"What the field holds."}}}};

function validate51(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate51.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.description === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "description"},message:"must have required property '"+"description"+"'",schema:schema101.required,parentSchema:schema101,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(((key0 === "description") || (key0 === "parser")) || (key0 === "fields"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema101,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.description !== undefined){
let data0 = data.description;
if(typeof data0 === "string"){
if(func2(data0) < 1){
const err2 = {instancePath:instancePath+"/description",schemaPath:"#/properties/description/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema101.properties.description,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/description",schemaPath:"#/properties/description/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema101.properties.description.type,parentSchema:schema101.properties.description,data:data0};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.parser !== undefined){
let data1 = data.parser;
const _errs6 = errors;
let valid2 = false;
const _errs7 = errors;
if(!((((((((((((((((((((((((((((((((((((data1 === "access-log") || (data1 === "auth-log")) || (data1 === "df")) || (data1 === "du")) || (data1 === "fail2ban-banned")) || (data1 === "fail2ban-status")) || (data1 === "firewall-objects")) || (data1 === "free")) || (data1 === "free-g")) || (data1 === "free-k")) || (data1 === "free-m")) || (data1 === "ipset")) || (data1 === "iptables")) || (data1 === "journal")) || (data1 === "json")) || (data1 === "kv")) || (data1 === "last")) || (data1 === "loadavg")) || (data1 === "meminfo")) || (data1 === "netstat")) || (data1 === "nft")) || (data1 === "ping")) || (data1 === "ps")) || (data1 === "ss")) || (data1 === "ss-summary")) || (data1 === "sshd-config")) || (data1 === "sshguard-log")) || (data1 === "sshguard-whitelist")) || (data1 === "swapon")) || (data1 === "systemctl-failed")) || (data1 === "systemctl-show")) || (data1 === "systemctl-status")) || (data1 === "traceroute")) || (data1 === "uptime")) || (data1 === "vmstat")) || (data1 === "who"))){
const err4 = {instancePath:instancePath+"/parser",schemaPath:"runbook.schema.json#/$defs/parser/anyOf/0/enum",keyword:"enum",params:{allowedValues: schema52.anyOf[0].enum},message:"must be equal to one of the allowed values",schema:schema52.anyOf[0].enum,parentSchema:schema52.anyOf[0],data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
var _valid0 = _errs7 === errors;
valid2 = valid2 || _valid0;
const _errs8 = errors;
if(typeof data1 === "string"){
if(!pattern4.test(data1)){
const err5 = {instancePath:instancePath+"/parser",schemaPath:"runbook.schema.json#/$defs/parser/anyOf/1/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9-]*$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9-]*$"+"\"",schema:"^[a-z0-9][a-z0-9-]*$",parentSchema:schema52.anyOf[1],data:data1};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/parser",schemaPath:"runbook.schema.json#/$defs/parser/anyOf/1/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema52.anyOf[1].type,parentSchema:schema52.anyOf[1],data:data1};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
var _valid0 = _errs8 === errors;
valid2 = valid2 || _valid0;
if(!valid2){
const err7 = {instancePath:instancePath+"/parser",schemaPath:"runbook.schema.json#/$defs/parser/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema52.anyOf,parentSchema:schema52,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
else {
errors = _errs6;
if(vErrors !== null){
if(_errs6){
vErrors.length = _errs6;
}
else {
vErrors = null;
}
}
}
}
if(data.fields !== undefined){
let data2 = data.fields;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
for(const key1 in data2){
let data3 = data2[key1];
if(typeof data3 !== "string"){
const err8 = {instancePath:instancePath+"/fields/" + key1.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/properties/fields/additionalProperties/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema101.properties.fields.additionalProperties.type,parentSchema:schema101.properties.fields.additionalProperties,data:data3};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
else {
const err9 = {instancePath:instancePath+"/fields",schemaPath:"#/properties/fields/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema101.properties.fields.type,parentSchema:schema101.properties.fields,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
}
else {
const err10 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema101.type,parentSchema:schema101,data};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
validate51.errors = vErrors;
return errors === 0;
}
validate51.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema103 = {"type":"object","additionalProperties":false,"required":["run"],"description":"A read-only command on the target: the body of a run step.","properties":{"run":{"$ref":"runbook.schema.json#/$defs/template","description":"The shell command. Reads inputs.<name>; values are shell-quoted by the engine."},"readonly":{"type":"string","minLength":10,"description":"Vouch that the command is read-only when the read-only check cannot prove it: say why it changes nothing."},"sudo":{"type":"boolean","description":"Run with sudo (default: the runbook's default; a step may override it)."},"timeout":{"$ref":"runbook.schema.json#/$defs/duration","description":"Command timeout (a step may override it)."},"ok_exit":{"$ref":"runbook.schema.json#/$defs/okExit","description":"Exit codes that count as success (default [0])."}}};

function validate53(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate53.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.run === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "run"},message:"must have required property '"+"run"+"'",schema:schema103.required,parentSchema:schema103,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!(((((key0 === "run") || (key0 === "readonly")) || (key0 === "sudo")) || (key0 === "timeout")) || (key0 === "ok_exit"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema103,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.run !== undefined){
let data0 = data.run;
if(typeof data0 !== "string"){
const err2 = {instancePath:instancePath+"/run",schemaPath:"runbook.schema.json#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.readonly !== undefined){
let data1 = data.readonly;
if(typeof data1 === "string"){
if(func2(data1) < 10){
const err3 = {instancePath:instancePath+"/readonly",schemaPath:"#/properties/readonly/minLength",keyword:"minLength",params:{limit: 10},message:"must NOT have fewer than 10 characters",schema:10,parentSchema:schema103.properties.readonly,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
else {
const err4 = {instancePath:instancePath+"/readonly",schemaPath:"#/properties/readonly/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema103.properties.readonly.type,parentSchema:schema103.properties.readonly,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.sudo !== undefined){
let data2 = data.sudo;
if(typeof data2 !== "boolean"){
const err5 = {instancePath:instancePath+"/sudo",schemaPath:"#/properties/sudo/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema103.properties.sudo.type,parentSchema:schema103.properties.sudo,data:data2};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.timeout !== undefined){
let data3 = data.timeout;
if(typeof data3 === "string"){
if(!pattern6.test(data3)){
const err6 = {instancePath:instancePath+"/timeout",schemaPath:"runbook.schema.json#/$defs/duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(ms|s|m|h)$"+"\"",schema:"^[0-9]+(ms|s|m|h)$",parentSchema:schema33,data:data3};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/timeout",schemaPath:"runbook.schema.json#/$defs/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema33.type,parentSchema:schema33,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.ok_exit !== undefined){
let data4 = data.ok_exit;
const _errs14 = errors;
let valid4 = false;
const _errs15 = errors;
if("any" !== data4){
const err8 = {instancePath:instancePath+"/ok_exit",schemaPath:"runbook.schema.json#/$defs/okExit/anyOf/0/const",keyword:"const",params:{allowedValue: "any"},message:"must be equal to constant",schema:"any",parentSchema:schema53.anyOf[0],data:data4};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
var _valid0 = _errs15 === errors;
valid4 = valid4 || _valid0;
const _errs16 = errors;
if(Array.isArray(data4)){
if(data4.length < 1){
const err9 = {instancePath:instancePath+"/ok_exit",schemaPath:"runbook.schema.json#/$defs/okExit/anyOf/1/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema53.anyOf[1],data:data4};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
const len0 = data4.length;
for(let i0=0; i0<len0; i0++){
let data5 = data4[i0];
if(!(((typeof data5 == "number") && (!(data5 % 1) && !isNaN(data5))) && (isFinite(data5)))){
const err10 = {instancePath:instancePath+"/ok_exit/" + i0,schemaPath:"runbook.schema.json#/$defs/okExit/anyOf/1/items/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema53.anyOf[1].items.type,parentSchema:schema53.anyOf[1].items,data:data5};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
if((typeof data5 == "number") && (isFinite(data5))){
if(data5 > 255 || isNaN(data5)){
const err11 = {instancePath:instancePath+"/ok_exit/" + i0,schemaPath:"runbook.schema.json#/$defs/okExit/anyOf/1/items/maximum",keyword:"maximum",params:{comparison: "<=", limit: 255},message:"must be <= 255",schema:255,parentSchema:schema53.anyOf[1].items,data:data5};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
if(data5 < 0 || isNaN(data5)){
const err12 = {instancePath:instancePath+"/ok_exit/" + i0,schemaPath:"runbook.schema.json#/$defs/okExit/anyOf/1/items/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0",schema:0,parentSchema:schema53.anyOf[1].items,data:data5};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
}
}
else {
const err13 = {instancePath:instancePath+"/ok_exit",schemaPath:"runbook.schema.json#/$defs/okExit/anyOf/1/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema53.anyOf[1].type,parentSchema:schema53.anyOf[1],data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
var _valid0 = _errs16 === errors;
valid4 = valid4 || _valid0;
if(!valid4){
const err14 = {instancePath:instancePath+"/ok_exit",schemaPath:"runbook.schema.json#/$defs/okExit/anyOf",keyword:"anyOf",params:{},message:"must match a schema in anyOf",schema:schema53.anyOf,parentSchema:schema53,data:data4};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
else {
errors = _errs14;
if(vErrors !== null){
if(_errs14){
vErrors.length = _errs14;
}
else {
vErrors = null;
}
}
}
}
}
else {
const err15 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema103.type,parentSchema:schema103,data};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
validate53.errors = vErrors;
return errors === 0;
}
validate53.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate55(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate55.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(func1.call(schema54.properties, key0))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema54,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.summary !== undefined){
let data0 = data.summary;
if(typeof data0 !== "string"){
const err1 = {instancePath:instancePath+"/summary",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.host !== undefined){
let data1 = data.host;
if(typeof data1 !== "string"){
const err2 = {instancePath:instancePath+"/host",schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.sudo !== undefined){
let data2 = data.sudo;
if(typeof data2 !== "boolean"){
const err3 = {instancePath:instancePath+"/sudo",schemaPath:"#/properties/sudo/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema54.properties.sudo.type,parentSchema:schema54.properties.sudo,data:data2};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.timeout !== undefined){
let data3 = data.timeout;
if(typeof data3 === "string"){
if(!pattern6.test(data3)){
const err4 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(ms|s|m|h)$"+"\"",schema:"^[0-9]+(ms|s|m|h)$",parentSchema:schema33,data:data3};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/timeout",schemaPath:"#/$defs/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema33.type,parentSchema:schema33,data:data3};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.check !== undefined){
if(!(validate31(data.check, {instancePath:instancePath+"/check",parentData:data,parentDataProperty:"check",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate31.errors : vErrors.concat(validate31.errors);
errors = vErrors.length;
}
}
if(data.apply !== undefined){
let data5 = data.apply;
if(Array.isArray(data5)){
if(data5.length < 1){
const err6 = {instancePath:instancePath+"/apply",schemaPath:"#/properties/apply/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema54.properties.apply,data:data5};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
const len0 = data5.length;
for(let i0=0; i0<len0; i0++){
let data6 = data5[i0];
if(typeof data6 !== "string"){
const err7 = {instancePath:instancePath+"/apply/" + i0,schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data6};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath:instancePath+"/apply",schemaPath:"#/properties/apply/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema54.properties.apply.type,parentSchema:schema54.properties.apply,data:data5};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.verify !== undefined){
if(!(validate33(data.verify, {instancePath:instancePath+"/verify",parentData:data,parentDataProperty:"verify",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate33.errors : vErrors.concat(validate33.errors);
errors = vErrors.length;
}
}
if(data.rollback !== undefined){
let data8 = data.rollback;
if(Array.isArray(data8)){
const len1 = data8.length;
for(let i1=0; i1<len1; i1++){
let data9 = data8[i1];
if(typeof data9 !== "string"){
const err9 = {instancePath:instancePath+"/rollback/" + i1,schemaPath:"#/$defs/template/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema39.type,parentSchema:schema39,data:data9};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
}
else {
const err10 = {instancePath:instancePath+"/rollback",schemaPath:"#/properties/rollback/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema54.properties.rollback.type,parentSchema:schema54.properties.rollback,data:data8};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.access !== undefined){
let data10 = data.access;
if(typeof data10 !== "boolean"){
const err11 = {instancePath:instancePath+"/access",schemaPath:"#/properties/access/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema54.properties.access.type,parentSchema:schema54.properties.access,data:data10};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.confirm_within !== undefined){
let data11 = data.confirm_within;
if(typeof data11 === "string"){
if(!pattern6.test(data11)){
const err12 = {instancePath:instancePath+"/confirm_within",schemaPath:"#/$defs/duration/pattern",keyword:"pattern",params:{pattern: "^[0-9]+(ms|s|m|h)$"},message:"must match pattern \""+"^[0-9]+(ms|s|m|h)$"+"\"",schema:"^[0-9]+(ms|s|m|h)$",parentSchema:schema33,data:data11};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/confirm_within",schemaPath:"#/$defs/duration/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema33.type,parentSchema:schema33,data:data11};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data.preflight !== undefined){
let data12 = data.preflight;
if(Array.isArray(data12)){
const len2 = data12.length;
for(let i2=0; i2<len2; i2++){
if(!(validate36(data12[i2], {instancePath:instancePath+"/preflight/" + i2,parentData:data12,parentDataProperty:i2,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate36.errors : vErrors.concat(validate36.errors);
errors = vErrors.length;
}
}
}
else {
const err14 = {instancePath:instancePath+"/preflight",schemaPath:"#/properties/preflight/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema54.properties.preflight.type,parentSchema:schema54.properties.preflight,data:data12};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data.files !== undefined){
let data14 = data.files;
if(Array.isArray(data14)){
const len3 = data14.length;
for(let i3=0; i3<len3; i3++){
if(!(validate38(data14[i3], {instancePath:instancePath+"/files/" + i3,parentData:data14,parentDataProperty:i3,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate38.errors : vErrors.concat(validate38.errors);
errors = vErrors.length;
}
}
}
else {
const err15 = {instancePath:instancePath+"/files",schemaPath:"#/properties/files/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema54.properties.files.type,parentSchema:schema54.properties.files,data:data14};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
}
else {
const err16 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema54.type,parentSchema:schema54,data};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
validate55.errors = vErrors;
return errors === 0;
}
validate55.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate50(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
/*# sourceURL="https://runbook.dev/schemas/action.schema.json" */;
let vErrors = null;
let errors = 0;
const evaluated0 = validate50.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.apiVersion === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "apiVersion"},message:"must have required property '"+"apiVersion"+"'",schema:schema99.required,parentSchema:schema99,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.name === undefined){
const err1 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'",schema:schema99.required,parentSchema:schema99,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(data.version === undefined){
const err2 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "version"},message:"must have required property '"+"version"+"'",schema:schema99.required,parentSchema:schema99,data};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if(data.summary === undefined){
const err3 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "summary"},message:"must have required property '"+"summary"+"'",schema:schema99.required,parentSchema:schema99,data};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data.outputs === undefined){
const err4 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "outputs"},message:"must have required property '"+"outputs"+"'",schema:schema99.required,parentSchema:schema99,data};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
for(const key0 in data){
if(!(func1.call(schema99.properties, key0))){
const err5 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema99,data};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data.apiVersion !== undefined){
let data0 = data.apiVersion;
if("runbook-action/v1" !== data0){
const err6 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/const",keyword:"const",params:{allowedValue: "runbook-action/v1"},message:"must be equal to constant",schema:"runbook-action/v1",parentSchema:schema99.properties.apiVersion,data:data0};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
if(data.name !== undefined){
let data1 = data.name;
if(typeof data1 === "string"){
if(!pattern37.test(data1)){
const err7 = {instancePath:instancePath+"/name",schemaPath:"#/properties/name/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$"},message:"must match pattern \""+"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$"+"\"",schema:"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*$",parentSchema:schema99.properties.name,data:data1};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
else {
const err8 = {instancePath:instancePath+"/name",schemaPath:"#/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema99.properties.name.type,parentSchema:schema99.properties.name,data:data1};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.version !== undefined){
let data2 = data.version;
if(!(((typeof data2 == "number") && (!(data2 % 1) && !isNaN(data2))) && (isFinite(data2)))){
const err9 = {instancePath:instancePath+"/version",schemaPath:"#/properties/version/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema99.properties.version.type,parentSchema:schema99.properties.version,data:data2};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if((typeof data2 == "number") && (isFinite(data2))){
if(data2 < 1 || isNaN(data2)){
const err10 = {instancePath:instancePath+"/version",schemaPath:"#/properties/version/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema99.properties.version,data:data2};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
if(data.summary !== undefined){
let data3 = data.summary;
if(typeof data3 === "string"){
if(func2(data3) < 1){
const err11 = {instancePath:instancePath+"/summary",schemaPath:"#/properties/summary/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema99.properties.summary,data:data3};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
else {
const err12 = {instancePath:instancePath+"/summary",schemaPath:"#/properties/summary/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema99.properties.summary.type,parentSchema:schema99.properties.summary,data:data3};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.description !== undefined){
let data4 = data.description;
if(typeof data4 !== "string"){
const err13 = {instancePath:instancePath+"/description",schemaPath:"#/properties/description/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema99.properties.description.type,parentSchema:schema99.properties.description,data:data4};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
if(data.inputs !== undefined){
let data5 = data.inputs;
if(data5 && typeof data5 == "object" && !Array.isArray(data5)){
for(const key1 in data5){
const _errs13 = errors;
if(typeof key1 === "string"){
if(!pattern5.test(key1)){
const err14 = {instancePath:instancePath+"/inputs",schemaPath:"#/properties/inputs/propertyNames/pattern",keyword:"pattern",params:{pattern: "^[a-z_][a-z0-9_]*$"},message:"must match pattern \""+"^[a-z_][a-z0-9_]*$"+"\"",schema:"^[a-z_][a-z0-9_]*$",parentSchema:schema99.properties.inputs.propertyNames,data:key1,propertyName:key1};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
var valid1 = _errs13 === errors;
if(!valid1){
const err15 = {instancePath:instancePath+"/inputs",schemaPath:"#/properties/inputs/propertyNames",keyword:"propertyNames",params:{propertyName: key1},message:"property name must be valid",schema:schema99.properties.inputs.propertyNames,parentSchema:schema99.properties.inputs,data:data5};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
for(const key2 in data5){
let data6 = data5[key2];
if(data6 && typeof data6 == "object" && !Array.isArray(data6)){
if(data6.type === undefined){
const err16 = {instancePath:instancePath+"/inputs/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/input/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'",schema:schema100.required,parentSchema:schema100,data:data6};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
if(data6.description === undefined){
const err17 = {instancePath:instancePath+"/inputs/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/input/required",keyword:"required",params:{missingProperty: "description"},message:"must have required property '"+"description"+"'",schema:schema100.required,parentSchema:schema100,data:data6};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
for(const key3 in data6){
if(!((((((((key3 === "type") || (key3 === "description")) || (key3 === "required")) || (key3 === "default")) || (key3 === "pattern")) || (key3 === "values")) || (key3 === "min")) || (key3 === "max"))){
const err18 = {instancePath:instancePath+"/inputs/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/input/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key3},message:"must NOT have additional properties",schema:false,parentSchema:schema100,data:data6};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
if(data6.type !== undefined){
let data7 = data6.type;
if(!(((((((((((((data7 === "ip") || (data7 === "cidr")) || (data7 === "host")) || (data7 === "port")) || (data7 === "unit")) || (data7 === "user")) || (data7 === "path")) || (data7 === "duration")) || (data7 === "int")) || (data7 === "bool")) || (data7 === "enum")) || (data7 === "string")) || (data7 === "list"))){
const err19 = {instancePath:instancePath+"/inputs/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/type",schemaPath:"#/$defs/input/properties/type/enum",keyword:"enum",params:{allowedValues: schema100.properties.type.enum},message:"must be equal to one of the allowed values",schema:schema100.properties.type.enum,parentSchema:schema100.properties.type,data:data7};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
if(data6.description !== undefined){
let data8 = data6.description;
if(typeof data8 === "string"){
if(func2(data8) < 1){
const err20 = {instancePath:instancePath+"/inputs/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/description",schemaPath:"#/$defs/input/properties/description/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema100.properties.description,data:data8};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
else {
const err21 = {instancePath:instancePath+"/inputs/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/description",schemaPath:"#/$defs/input/properties/description/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema100.properties.description.type,parentSchema:schema100.properties.description,data:data8};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data6.required !== undefined){
let data9 = data6.required;
if(typeof data9 !== "boolean"){
const err22 = {instancePath:instancePath+"/inputs/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/required",schemaPath:"#/$defs/input/properties/required/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema100.properties.required.type,parentSchema:schema100.properties.required,data:data9};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
if(data6.default !== undefined){
let data10 = data6.default;
if(((typeof data10 !== "string") && (!((typeof data10 == "number") && (isFinite(data10))))) && (typeof data10 !== "boolean")){
const err23 = {instancePath:instancePath+"/inputs/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/default",schemaPath:"#/$defs/input/properties/default/type",keyword:"type",params:{type: schema100.properties.default.type},message:"must be string,number,boolean",schema:schema100.properties.default.type,parentSchema:schema100.properties.default,data:data10};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
if(data6.pattern !== undefined){
let data11 = data6.pattern;
if(typeof data11 !== "string"){
const err24 = {instancePath:instancePath+"/inputs/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/pattern",schemaPath:"#/$defs/input/properties/pattern/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema100.properties.pattern.type,parentSchema:schema100.properties.pattern,data:data11};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
if(data6.values !== undefined){
let data12 = data6.values;
if(Array.isArray(data12)){
if(data12.length < 1){
const err25 = {instancePath:instancePath+"/inputs/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/values",schemaPath:"#/$defs/input/properties/values/minItems",keyword:"minItems",params:{limit: 1},message:"must NOT have fewer than 1 items",schema:1,parentSchema:schema100.properties.values,data:data12};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
const len0 = data12.length;
for(let i0=0; i0<len0; i0++){
let data13 = data12[i0];
if(typeof data13 !== "string"){
const err26 = {instancePath:instancePath+"/inputs/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/values/" + i0,schemaPath:"#/$defs/input/properties/values/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema100.properties.values.items.type,parentSchema:schema100.properties.values.items,data:data13};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
}
else {
const err27 = {instancePath:instancePath+"/inputs/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/values",schemaPath:"#/$defs/input/properties/values/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema100.properties.values.type,parentSchema:schema100.properties.values,data:data12};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
if(data6.min !== undefined){
let data14 = data6.min;
if(!(((typeof data14 == "number") && (!(data14 % 1) && !isNaN(data14))) && (isFinite(data14)))){
const err28 = {instancePath:instancePath+"/inputs/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/min",schemaPath:"#/$defs/input/properties/min/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema100.properties.min.type,parentSchema:schema100.properties.min,data:data14};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
if(data6.max !== undefined){
let data15 = data6.max;
if(!(((typeof data15 == "number") && (!(data15 % 1) && !isNaN(data15))) && (isFinite(data15)))){
const err29 = {instancePath:instancePath+"/inputs/" + key2.replace(/~/g, "~0").replace(/\//g, "~1")+"/max",schemaPath:"#/$defs/input/properties/max/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema100.properties.max.type,parentSchema:schema100.properties.max,data:data15};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
}
else {
const err30 = {instancePath:instancePath+"/inputs/" + key2.replace(/~/g, "~0").replace(/\//g, "~1"),schemaPath:"#/$defs/input/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema100.type,parentSchema:schema100,data:data6};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
}
}
else {
const err31 = {instancePath:instancePath+"/inputs",schemaPath:"#/properties/inputs/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema99.properties.inputs.type,parentSchema:schema99.properties.inputs,data:data5};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
if(data.outputs !== undefined){
if(!(validate51(data.outputs, {instancePath:instancePath+"/outputs",parentData:data,parentDataProperty:"outputs",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate51.errors : vErrors.concat(validate51.errors);
errors = vErrors.length;
}
}
if(data.run !== undefined){
if(!(validate53(data.run, {instancePath:instancePath+"/run",parentData:data,parentDataProperty:"run",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate53.errors : vErrors.concat(validate53.errors);
errors = vErrors.length;
}
}
if(data.fix !== undefined){
if(!(validate55(data.fix, {instancePath:instancePath+"/fix",parentData:data,parentDataProperty:"fix",rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate55.errors : vErrors.concat(validate55.errors);
errors = vErrors.length;
}
}
}
else {
const err32 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema99.type,parentSchema:schema99,data};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
validate50.errors = vErrors;
return errors === 0;
}
validate50.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

export const inventory = validate61;
const schema114 = {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://runbook.dev/schemas/inventory.schema.json","title":"runbook inventory","description":"Hosts, groups, vars and bastions that `runbook run --host` and `runbook exec` resolve names against. Relative paths are relative to the inventory file.","type":"object","additionalProperties":false,"properties":{"apiVersion":{"const":"runbook/v1","description":"Format version. Always runbook/v1."},"kind":{"const":"Inventory","description":"Always Inventory: what this file is."},"defaults":{"description":"Connection settings for every host of this inventory (and for ad-hoc user@host targets while it is loaded).","$ref":"#/$defs/connection","unevaluatedProperties":false,"type":"object"},"vars":{"$ref":"#/$defs/vars","description":"Vars of every host (`--select key=value` matches on them); a group's vars override these, a host's override both."},"hosts":{"type":"object","propertyNames":{"$ref":"#/$defs/name"},"additionalProperties":{"$ref":"#/$defs/host"},"description":"The hosts, by name (the name given to --host, --hosts and runbook exec)."},"groups":{"type":"object","propertyNames":{"$ref":"#/$defs/name"},"additionalProperties":{"$ref":"#/$defs/group"},"description":"Named groups of hosts, for --hosts GROUP and their own vars."}},"required":["hosts"],"$defs":{"name":{"type":"string","pattern":"^[A-Za-z0-9][A-Za-z0-9_.-]*$","maxLength":253},"vars":{"type":"object","additionalProperties":true},"connection":{"type":"object","properties":{"user":{"type":"string","minLength":1,"description":"Login user. The first set wins: the host's, ~/.ssh/config, the inventory defaults, the current user."},"port":{"type":"integer","minimum":1,"maximum":65535,"description":"SSH port. The first set wins: the host's, ~/.ssh/config, the inventory defaults, 22."},"identityFiles":{"type":"array","items":{"type":"string","minLength":1},"description":"Private key files to try, relative to the inventory file or absolute (besides the ssh-agent)."},"knownHostsFiles":{"type":"array","items":{"type":"string","minLength":1},"description":"known_hosts files that host keys are checked against (default: ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts)."},"acceptNewHostKeys":{"type":"boolean","description":"Record unknown host keys (trust on first use); a changed key is always an error."},"bastion":{"description":"Jump host: an inventory host name or [user@]host[:port]; null to connect directly even when defaults set one.","type":["string","null"]},"connectTimeoutMs":{"type":"integer","minimum":1,"description":"How long to wait for the SSH connection, in milliseconds (default 10000; RUNBOOK_SSH_CONNECT_TIMEOUT_MS)."}}},"host":{"type":"object","unevaluatedProperties":false,"allOf":[{"$ref":"#/$defs/connection"}],"properties":{"address":{"type":"string","minLength":1,"description":"IP address or DNS name to connect to; defaults to the host's name (also looked up in ~/.ssh/config)."},"vars":{"$ref":"#/$defs/vars","description":"This host's vars; they override the inventory's and its groups'."}}},"group":{"type":"object","additionalProperties":false,"properties":{"hosts":{"type":"array","items":{"$ref":"#/$defs/name"},"description":"Host names in this group."},"children":{"type":"array","items":{"$ref":"#/$defs/name"},"description":"Groups whose hosts belong to this group too."},"vars":{"$ref":"#/$defs/vars","description":"Vars of the group's hosts; they override the inventory's, a host's own override them."}}}}};
const schema115 = {"type":"object","properties":{"user":{"type":"string","minLength":1,"description":"Login user. The first set wins: the host's, ~/.ssh/config, the inventory defaults, the current user."},"port":{"type":"integer","minimum":1,"maximum":65535,"description":"SSH port. The first set wins: the host's, ~/.ssh/config, the inventory defaults, 22."},"identityFiles":{"type":"array","items":{"type":"string","minLength":1},"description":"Private key files to try, relative to the inventory file or absolute (besides the ssh-agent)."},"knownHostsFiles":{"type":"array","items":{"type":"string","minLength":1},"description":"known_hosts files that host keys are checked against (default: ~/.ssh/known_hosts and /etc/ssh/ssh_known_hosts)."},"acceptNewHostKeys":{"type":"boolean","description":"Record unknown host keys (trust on first use); a changed key is always an error."},"bastion":{"description":"Jump host: an inventory host name or [user@]host[:port]; null to connect directly even when defaults set one.","type":["string","null"]},"connectTimeoutMs":{"type":"integer","minimum":1,"description":"How long to wait for the SSH connection, in milliseconds (default 10000; RUNBOOK_SSH_CONNECT_TIMEOUT_MS)."}}};
const schema116 = {"type":"object","additionalProperties":true};
const schema117 = {"type":"string","pattern":"^[A-Za-z0-9][A-Za-z0-9_.-]*$","maxLength":253};
const pattern43 = new RegExp("^[A-Za-z0-9][A-Za-z0-9_.-]*$", "u");
const schema118 = {"type":"object","unevaluatedProperties":false,"allOf":[{"$ref":"#/$defs/connection"}],"properties":{"address":{"type":"string","minLength":1,"description":"IP address or DNS name to connect to; defaults to the host's name (also looked up in ~/.ssh/config)."},"vars":{"$ref":"#/$defs/vars","description":"This host's vars; they override the inventory's and its groups'."}}};

function validate62(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate62.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.user !== undefined){
let data0 = data.user;
if(typeof data0 === "string"){
if(func2(data0) < 1){
const err0 = {instancePath:instancePath+"/user",schemaPath:"#/$defs/connection/properties/user/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema115.properties.user,data:data0};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
else {
const err1 = {instancePath:instancePath+"/user",schemaPath:"#/$defs/connection/properties/user/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema115.properties.user.type,parentSchema:schema115.properties.user,data:data0};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.port !== undefined){
let data1 = data.port;
if(!(((typeof data1 == "number") && (!(data1 % 1) && !isNaN(data1))) && (isFinite(data1)))){
const err2 = {instancePath:instancePath+"/port",schemaPath:"#/$defs/connection/properties/port/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema115.properties.port.type,parentSchema:schema115.properties.port,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
if((typeof data1 == "number") && (isFinite(data1))){
if(data1 > 65535 || isNaN(data1)){
const err3 = {instancePath:instancePath+"/port",schemaPath:"#/$defs/connection/properties/port/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535",schema:65535,parentSchema:schema115.properties.port,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
if(data1 < 1 || isNaN(data1)){
const err4 = {instancePath:instancePath+"/port",schemaPath:"#/$defs/connection/properties/port/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema115.properties.port,data:data1};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
}
if(data.identityFiles !== undefined){
let data2 = data.identityFiles;
if(Array.isArray(data2)){
const len0 = data2.length;
for(let i0=0; i0<len0; i0++){
let data3 = data2[i0];
if(typeof data3 === "string"){
if(func2(data3) < 1){
const err5 = {instancePath:instancePath+"/identityFiles/" + i0,schemaPath:"#/$defs/connection/properties/identityFiles/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema115.properties.identityFiles.items,data:data3};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
else {
const err6 = {instancePath:instancePath+"/identityFiles/" + i0,schemaPath:"#/$defs/connection/properties/identityFiles/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema115.properties.identityFiles.items.type,parentSchema:schema115.properties.identityFiles.items,data:data3};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
}
else {
const err7 = {instancePath:instancePath+"/identityFiles",schemaPath:"#/$defs/connection/properties/identityFiles/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema115.properties.identityFiles.type,parentSchema:schema115.properties.identityFiles,data:data2};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
if(data.knownHostsFiles !== undefined){
let data4 = data.knownHostsFiles;
if(Array.isArray(data4)){
const len1 = data4.length;
for(let i1=0; i1<len1; i1++){
let data5 = data4[i1];
if(typeof data5 === "string"){
if(func2(data5) < 1){
const err8 = {instancePath:instancePath+"/knownHostsFiles/" + i1,schemaPath:"#/$defs/connection/properties/knownHostsFiles/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema115.properties.knownHostsFiles.items,data:data5};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
else {
const err9 = {instancePath:instancePath+"/knownHostsFiles/" + i1,schemaPath:"#/$defs/connection/properties/knownHostsFiles/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema115.properties.knownHostsFiles.items.type,parentSchema:schema115.properties.knownHostsFiles.items,data:data5};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
}
else {
const err10 = {instancePath:instancePath+"/knownHostsFiles",schemaPath:"#/$defs/connection/properties/knownHostsFiles/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema115.properties.knownHostsFiles.type,parentSchema:schema115.properties.knownHostsFiles,data:data4};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
if(data.acceptNewHostKeys !== undefined){
let data6 = data.acceptNewHostKeys;
if(typeof data6 !== "boolean"){
const err11 = {instancePath:instancePath+"/acceptNewHostKeys",schemaPath:"#/$defs/connection/properties/acceptNewHostKeys/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema115.properties.acceptNewHostKeys.type,parentSchema:schema115.properties.acceptNewHostKeys,data:data6};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data.bastion !== undefined){
let data7 = data.bastion;
if((typeof data7 !== "string") && (data7 !== null)){
const err12 = {instancePath:instancePath+"/bastion",schemaPath:"#/$defs/connection/properties/bastion/type",keyword:"type",params:{type: schema115.properties.bastion.type},message:"must be string,null",schema:schema115.properties.bastion.type,parentSchema:schema115.properties.bastion,data:data7};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
if(data.connectTimeoutMs !== undefined){
let data8 = data.connectTimeoutMs;
if(!(((typeof data8 == "number") && (!(data8 % 1) && !isNaN(data8))) && (isFinite(data8)))){
const err13 = {instancePath:instancePath+"/connectTimeoutMs",schemaPath:"#/$defs/connection/properties/connectTimeoutMs/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema115.properties.connectTimeoutMs.type,parentSchema:schema115.properties.connectTimeoutMs,data:data8};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
if((typeof data8 == "number") && (isFinite(data8))){
if(data8 < 1 || isNaN(data8)){
const err14 = {instancePath:instancePath+"/connectTimeoutMs",schemaPath:"#/$defs/connection/properties/connectTimeoutMs/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema115.properties.connectTimeoutMs,data:data8};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
}
}
else {
const err15 = {instancePath,schemaPath:"#/$defs/connection/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema115.type,parentSchema:schema115,data};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.address !== undefined){
let data9 = data.address;
if(typeof data9 === "string"){
if(func2(data9) < 1){
const err16 = {instancePath:instancePath+"/address",schemaPath:"#/properties/address/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema118.properties.address,data:data9};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
else {
const err17 = {instancePath:instancePath+"/address",schemaPath:"#/properties/address/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema118.properties.address.type,parentSchema:schema118.properties.address,data:data9};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data.vars !== undefined){
let data10 = data.vars;
if(data10 && typeof data10 == "object" && !Array.isArray(data10)){
}
else {
const err18 = {instancePath:instancePath+"/vars",schemaPath:"#/$defs/vars/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema116.type,parentSchema:schema116,data:data10};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
for(const key0 in data){
if(((((((((key0 !== "address") && (key0 !== "vars")) && (key0 !== "user")) && (key0 !== "port")) && (key0 !== "identityFiles")) && (key0 !== "knownHostsFiles")) && (key0 !== "acceptNewHostKeys")) && (key0 !== "bastion")) && (key0 !== "connectTimeoutMs")){
const err19 = {instancePath,schemaPath:"#/unevaluatedProperties",keyword:"unevaluatedProperties",params:{unevaluatedProperty: key0},message:"must NOT have unevaluated properties",schema:false,parentSchema:schema118,data};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
}
}
else {
const err20 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema118.type,parentSchema:schema118,data};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
validate62.errors = vErrors;
return errors === 0;
}
validate62.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

const schema122 = {"type":"object","additionalProperties":false,"properties":{"hosts":{"type":"array","items":{"$ref":"#/$defs/name"},"description":"Host names in this group."},"children":{"type":"array","items":{"$ref":"#/$defs/name"},"description":"Groups whose hosts belong to this group too."},"vars":{"$ref":"#/$defs/vars","description":"Vars of the group's hosts; they override the inventory's, a host's own override them."}}};

function validate64(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
let vErrors = null;
let errors = 0;
const evaluated0 = validate64.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
for(const key0 in data){
if(!(((key0 === "hosts") || (key0 === "children")) || (key0 === "vars"))){
const err0 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema122,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
}
if(data.hosts !== undefined){
let data0 = data.hosts;
if(Array.isArray(data0)){
const len0 = data0.length;
for(let i0=0; i0<len0; i0++){
let data1 = data0[i0];
if(typeof data1 === "string"){
if(func2(data1) > 253){
const err1 = {instancePath:instancePath+"/hosts/" + i0,schemaPath:"#/$defs/name/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema117,data:data1};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
if(!pattern43.test(data1)){
const err2 = {instancePath:instancePath+"/hosts/" + i0,schemaPath:"#/$defs/name/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$"},message:"must match pattern \""+"^[A-Za-z0-9][A-Za-z0-9_.-]*$"+"\"",schema:"^[A-Za-z0-9][A-Za-z0-9_.-]*$",parentSchema:schema117,data:data1};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
else {
const err3 = {instancePath:instancePath+"/hosts/" + i0,schemaPath:"#/$defs/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema117.type,parentSchema:schema117,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
}
else {
const err4 = {instancePath:instancePath+"/hosts",schemaPath:"#/properties/hosts/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema122.properties.hosts.type,parentSchema:schema122.properties.hosts,data:data0};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
if(data.children !== undefined){
let data2 = data.children;
if(Array.isArray(data2)){
const len1 = data2.length;
for(let i1=0; i1<len1; i1++){
let data3 = data2[i1];
if(typeof data3 === "string"){
if(func2(data3) > 253){
const err5 = {instancePath:instancePath+"/children/" + i1,schemaPath:"#/$defs/name/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema117,data:data3};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if(!pattern43.test(data3)){
const err6 = {instancePath:instancePath+"/children/" + i1,schemaPath:"#/$defs/name/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$"},message:"must match pattern \""+"^[A-Za-z0-9][A-Za-z0-9_.-]*$"+"\"",schema:"^[A-Za-z0-9][A-Za-z0-9_.-]*$",parentSchema:schema117,data:data3};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
}
else {
const err7 = {instancePath:instancePath+"/children/" + i1,schemaPath:"#/$defs/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema117.type,parentSchema:schema117,data:data3};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
}
}
else {
const err8 = {instancePath:instancePath+"/children",schemaPath:"#/properties/children/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema122.properties.children.type,parentSchema:schema122.properties.children,data:data2};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
if(data.vars !== undefined){
let data4 = data.vars;
if(data4 && typeof data4 == "object" && !Array.isArray(data4)){
}
else {
const err9 = {instancePath:instancePath+"/vars",schemaPath:"#/$defs/vars/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema116.type,parentSchema:schema116,data:data4};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
}
else {
const err10 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema122.type,parentSchema:schema122,data};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
validate64.errors = vErrors;
return errors === 0;
}
validate64.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};


function validate61(data, {instancePath="", parentData, parentDataProperty, rootData=data, dynamicAnchors={}}={}){
/*# sourceURL="https://runbook.dev/schemas/inventory.schema.json" */;
let vErrors = null;
let errors = 0;
const evaluated0 = validate61.evaluated;
if(evaluated0.dynamicProps){
evaluated0.props = undefined;
}
if(evaluated0.dynamicItems){
evaluated0.items = undefined;
}
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.hosts === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "hosts"},message:"must have required property '"+"hosts"+"'",schema:schema114.required,parentSchema:schema114,data};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
for(const key0 in data){
if(!((((((key0 === "apiVersion") || (key0 === "kind")) || (key0 === "defaults")) || (key0 === "vars")) || (key0 === "hosts")) || (key0 === "groups"))){
const err1 = {instancePath,schemaPath:"#/additionalProperties",keyword:"additionalProperties",params:{additionalProperty: key0},message:"must NOT have additional properties",schema:false,parentSchema:schema114,data};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.apiVersion !== undefined){
let data0 = data.apiVersion;
if("runbook/v1" !== data0){
const err2 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/const",keyword:"const",params:{allowedValue: "runbook/v1"},message:"must be equal to constant",schema:"runbook/v1",parentSchema:schema114.properties.apiVersion,data:data0};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.kind !== undefined){
let data1 = data.kind;
if("Inventory" !== data1){
const err3 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/const",keyword:"const",params:{allowedValue: "Inventory"},message:"must be equal to constant",schema:"Inventory",parentSchema:schema114.properties.kind,data:data1};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.defaults !== undefined){
let data2 = data.defaults;
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
if(data2.user !== undefined){
let data3 = data2.user;
if(typeof data3 === "string"){
if(func2(data3) < 1){
const err4 = {instancePath:instancePath+"/defaults/user",schemaPath:"#/$defs/connection/properties/user/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema115.properties.user,data:data3};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
}
else {
const err5 = {instancePath:instancePath+"/defaults/user",schemaPath:"#/$defs/connection/properties/user/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema115.properties.user.type,parentSchema:schema115.properties.user,data:data3};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
}
if(data2.port !== undefined){
let data4 = data2.port;
if(!(((typeof data4 == "number") && (!(data4 % 1) && !isNaN(data4))) && (isFinite(data4)))){
const err6 = {instancePath:instancePath+"/defaults/port",schemaPath:"#/$defs/connection/properties/port/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema115.properties.port.type,parentSchema:schema115.properties.port,data:data4};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if((typeof data4 == "number") && (isFinite(data4))){
if(data4 > 65535 || isNaN(data4)){
const err7 = {instancePath:instancePath+"/defaults/port",schemaPath:"#/$defs/connection/properties/port/maximum",keyword:"maximum",params:{comparison: "<=", limit: 65535},message:"must be <= 65535",schema:65535,parentSchema:schema115.properties.port,data:data4};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if(data4 < 1 || isNaN(data4)){
const err8 = {instancePath:instancePath+"/defaults/port",schemaPath:"#/$defs/connection/properties/port/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema115.properties.port,data:data4};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
}
}
if(data2.identityFiles !== undefined){
let data5 = data2.identityFiles;
if(Array.isArray(data5)){
const len0 = data5.length;
for(let i0=0; i0<len0; i0++){
let data6 = data5[i0];
if(typeof data6 === "string"){
if(func2(data6) < 1){
const err9 = {instancePath:instancePath+"/defaults/identityFiles/" + i0,schemaPath:"#/$defs/connection/properties/identityFiles/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema115.properties.identityFiles.items,data:data6};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
}
else {
const err10 = {instancePath:instancePath+"/defaults/identityFiles/" + i0,schemaPath:"#/$defs/connection/properties/identityFiles/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema115.properties.identityFiles.items.type,parentSchema:schema115.properties.identityFiles.items,data:data6};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
}
else {
const err11 = {instancePath:instancePath+"/defaults/identityFiles",schemaPath:"#/$defs/connection/properties/identityFiles/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema115.properties.identityFiles.type,parentSchema:schema115.properties.identityFiles,data:data5};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data2.knownHostsFiles !== undefined){
let data7 = data2.knownHostsFiles;
if(Array.isArray(data7)){
const len1 = data7.length;
for(let i1=0; i1<len1; i1++){
let data8 = data7[i1];
if(typeof data8 === "string"){
if(func2(data8) < 1){
const err12 = {instancePath:instancePath+"/defaults/knownHostsFiles/" + i1,schemaPath:"#/$defs/connection/properties/knownHostsFiles/items/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters",schema:1,parentSchema:schema115.properties.knownHostsFiles.items,data:data8};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
}
else {
const err13 = {instancePath:instancePath+"/defaults/knownHostsFiles/" + i1,schemaPath:"#/$defs/connection/properties/knownHostsFiles/items/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema115.properties.knownHostsFiles.items.type,parentSchema:schema115.properties.knownHostsFiles.items,data:data8};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
}
}
else {
const err14 = {instancePath:instancePath+"/defaults/knownHostsFiles",schemaPath:"#/$defs/connection/properties/knownHostsFiles/type",keyword:"type",params:{type: "array"},message:"must be array",schema:schema115.properties.knownHostsFiles.type,parentSchema:schema115.properties.knownHostsFiles,data:data7};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
if(data2.acceptNewHostKeys !== undefined){
let data9 = data2.acceptNewHostKeys;
if(typeof data9 !== "boolean"){
const err15 = {instancePath:instancePath+"/defaults/acceptNewHostKeys",schemaPath:"#/$defs/connection/properties/acceptNewHostKeys/type",keyword:"type",params:{type: "boolean"},message:"must be boolean",schema:schema115.properties.acceptNewHostKeys.type,parentSchema:schema115.properties.acceptNewHostKeys,data:data9};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data2.bastion !== undefined){
let data10 = data2.bastion;
if((typeof data10 !== "string") && (data10 !== null)){
const err16 = {instancePath:instancePath+"/defaults/bastion",schemaPath:"#/$defs/connection/properties/bastion/type",keyword:"type",params:{type: schema115.properties.bastion.type},message:"must be string,null",schema:schema115.properties.bastion.type,parentSchema:schema115.properties.bastion,data:data10};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
if(data2.connectTimeoutMs !== undefined){
let data11 = data2.connectTimeoutMs;
if(!(((typeof data11 == "number") && (!(data11 % 1) && !isNaN(data11))) && (isFinite(data11)))){
const err17 = {instancePath:instancePath+"/defaults/connectTimeoutMs",schemaPath:"#/$defs/connection/properties/connectTimeoutMs/type",keyword:"type",params:{type: "integer"},message:"must be integer",schema:schema115.properties.connectTimeoutMs.type,parentSchema:schema115.properties.connectTimeoutMs,data:data11};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
if((typeof data11 == "number") && (isFinite(data11))){
if(data11 < 1 || isNaN(data11)){
const err18 = {instancePath:instancePath+"/defaults/connectTimeoutMs",schemaPath:"#/$defs/connection/properties/connectTimeoutMs/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1",schema:1,parentSchema:schema115.properties.connectTimeoutMs,data:data11};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
}
}
}
else {
const err19 = {instancePath:instancePath+"/defaults",schemaPath:"#/$defs/connection/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema115.type,parentSchema:schema115,data:data2};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
if(data2 && typeof data2 == "object" && !Array.isArray(data2)){
for(const key1 in data2){
if(((((((key1 !== "user") && (key1 !== "port")) && (key1 !== "identityFiles")) && (key1 !== "knownHostsFiles")) && (key1 !== "acceptNewHostKeys")) && (key1 !== "bastion")) && (key1 !== "connectTimeoutMs")){
const err20 = {instancePath:instancePath+"/defaults",schemaPath:"#/properties/defaults/unevaluatedProperties",keyword:"unevaluatedProperties",params:{unevaluatedProperty: key1},message:"must NOT have unevaluated properties",schema:false,parentSchema:schema114.properties.defaults,data:data2};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
}
else {
const err21 = {instancePath:instancePath+"/defaults",schemaPath:"#/properties/defaults/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema114.properties.defaults.type,parentSchema:schema114.properties.defaults,data:data2};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data.vars !== undefined){
let data12 = data.vars;
if(data12 && typeof data12 == "object" && !Array.isArray(data12)){
}
else {
const err22 = {instancePath:instancePath+"/vars",schemaPath:"#/$defs/vars/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema116.type,parentSchema:schema116,data:data12};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
if(data.hosts !== undefined){
let data13 = data.hosts;
if(data13 && typeof data13 == "object" && !Array.isArray(data13)){
for(const key2 in data13){
const _errs33 = errors;
if(typeof key2 === "string"){
if(func2(key2) > 253){
const err23 = {instancePath:instancePath+"/hosts",schemaPath:"#/$defs/name/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema117,data:key2,propertyName:key2};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
if(!pattern43.test(key2)){
const err24 = {instancePath:instancePath+"/hosts",schemaPath:"#/$defs/name/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$"},message:"must match pattern \""+"^[A-Za-z0-9][A-Za-z0-9_.-]*$"+"\"",schema:"^[A-Za-z0-9][A-Za-z0-9_.-]*$",parentSchema:schema117,data:key2,propertyName:key2};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
}
else {
const err25 = {instancePath:instancePath+"/hosts",schemaPath:"#/$defs/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema117.type,parentSchema:schema117,data:key2,propertyName:key2};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
var valid8 = _errs33 === errors;
if(!valid8){
const err26 = {instancePath:instancePath+"/hosts",schemaPath:"#/properties/hosts/propertyNames",keyword:"propertyNames",params:{propertyName: key2},message:"property name must be valid",schema:schema114.properties.hosts.propertyNames,parentSchema:schema114.properties.hosts,data:data13};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
for(const key3 in data13){
if(!(validate62(data13[key3], {instancePath:instancePath+"/hosts/" + key3.replace(/~/g, "~0").replace(/\//g, "~1"),parentData:data13,parentDataProperty:key3,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate62.errors : vErrors.concat(validate62.errors);
errors = vErrors.length;
}
}
}
else {
const err27 = {instancePath:instancePath+"/hosts",schemaPath:"#/properties/hosts/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema114.properties.hosts.type,parentSchema:schema114.properties.hosts,data:data13};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
if(data.groups !== undefined){
let data15 = data.groups;
if(data15 && typeof data15 == "object" && !Array.isArray(data15)){
for(const key4 in data15){
const _errs40 = errors;
if(typeof key4 === "string"){
if(func2(key4) > 253){
const err28 = {instancePath:instancePath+"/groups",schemaPath:"#/$defs/name/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters",schema:253,parentSchema:schema117,data:key4,propertyName:key4};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
if(!pattern43.test(key4)){
const err29 = {instancePath:instancePath+"/groups",schemaPath:"#/$defs/name/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$"},message:"must match pattern \""+"^[A-Za-z0-9][A-Za-z0-9_.-]*$"+"\"",schema:"^[A-Za-z0-9][A-Za-z0-9_.-]*$",parentSchema:schema117,data:key4,propertyName:key4};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
else {
const err30 = {instancePath:instancePath+"/groups",schemaPath:"#/$defs/name/type",keyword:"type",params:{type: "string"},message:"must be string",schema:schema117.type,parentSchema:schema117,data:key4,propertyName:key4};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
var valid11 = _errs40 === errors;
if(!valid11){
const err31 = {instancePath:instancePath+"/groups",schemaPath:"#/properties/groups/propertyNames",keyword:"propertyNames",params:{propertyName: key4},message:"property name must be valid",schema:schema114.properties.groups.propertyNames,parentSchema:schema114.properties.groups,data:data15};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
for(const key5 in data15){
if(!(validate64(data15[key5], {instancePath:instancePath+"/groups/" + key5.replace(/~/g, "~0").replace(/\//g, "~1"),parentData:data15,parentDataProperty:key5,rootData,dynamicAnchors}))){
vErrors = vErrors === null ? validate64.errors : vErrors.concat(validate64.errors);
errors = vErrors.length;
}
}
}
else {
const err32 = {instancePath:instancePath+"/groups",schemaPath:"#/properties/groups/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema114.properties.groups.type,parentSchema:schema114.properties.groups,data:data15};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
}
}
else {
const err33 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object",schema:schema114.type,parentSchema:schema114,data};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
validate61.errors = vErrors;
return errors === 0;
}
validate61.evaluated = {"props":true,"dynamicProps":false,"dynamicItems":false};

