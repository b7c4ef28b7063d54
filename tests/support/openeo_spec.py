"""Checks of what the plugin sends to openEO back-ends, against openEO's own specifications (test-only).

- `ApiSpec`: the openEO API 1.2 OpenAPI document (fixtures/openeo/api/openapi.yaml). `check_request(method,
  path, query, headers, body)` says what is wrong with a request: unknown endpoint or method, query parameters
  the operation does not declare, a body that does not match the request schema (JSON Schema, OpenAPI 3.0's
  `nullable` honoured), a missing or malformed ``Authorization: Bearer basic//…`` / ``oidc/<provider>/…`` on
  operations that require sign-in.
- `ProcessSpecs`: openEO process specifications (fixtures/openeo/processes, openeo-processes 2.0.0-rc.1, then
  CDSE's recorded process list for processes without a file). `check_graph(graph)` says what is wrong with a
  process graph: unknown process, missing required argument, unknown argument, literal argument of the wrong
  type (the parameter's JSON Schema, roughly: openEO subtypes ignored), `from_node` to a missing node,
  `from_parameter` not offered by the enclosing callback, not exactly one result node.
- `ValidatingSession`: a requests.Session that checks every request it sends with `ApiSpec` (paths relative to
  the API root it is given) and keeps the problems in `.problems`.
"""
from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
import yaml

try:
    import jsonschema
except ImportError:  # a test venv without it (the sid chroot's): the tests that check against the specs skip
    jsonschema = None


def _need_jsonschema() -> None:
    if jsonschema is None:
        pytest.skip("jsonschema is not installed in this test venv (make venv installs it)")

BEARER = re.compile(r"^Bearer (basic//\S+|oidc/[^/\s]+/\S+)$")


def _nullable(schema: Any) -> Any:
    """OpenAPI 3.0 `nullable: true` as JSON Schema (type list with "null"), recursively."""
    if isinstance(schema, dict):
        out = {key: _nullable(value) for key, value in schema.items()}
        if out.pop("nullable", False):
            if "type" in out:
                types = out["type"] if isinstance(out["type"], list) else [out["type"]]
                out["type"] = types + ["null"]
            elif any(k in out for k in ("oneOf", "anyOf", "allOf", "$ref")):
                out = {"anyOf": [out, {"type": "null"}]}
            if "enum" in out and None not in out["enum"]:
                out["enum"] = list(out["enum"]) + [None]
        return out
    if isinstance(schema, list):
        return [_nullable(item) for item in schema]
    return schema


class ApiSpec:
    """The openEO API OpenAPI document, for checking requests."""

    def __init__(self, path: Path):
        _need_jsonschema()
        self.doc = _nullable(yaml.safe_load(Path(path).read_text(encoding="utf-8")))
        self.paths = self.doc["paths"]
        self._templates = [(re.compile("^" + re.sub(r"\{[^}]+\}", r"[^/]+", p.rstrip("/") or "") + "/?$"), p)
                           for p in self.paths]

    def operation(self, method: str, path: str) -> Optional[Dict[str, Any]]:
        for pattern, template in self._templates:
            if pattern.match(path.rstrip("/") or ""):
                return self.paths[template].get(method.lower())
        return None

    def _resolve(self, value: Any) -> Any:
        while isinstance(value, dict) and "$ref" in value:
            node: Any = self.doc
            for part in value["$ref"].lstrip("#/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            value = node
        return value

    def inline(self, schema: Any, refs: int = 0) -> Any:
        """`schema` with its `$ref`s replaced by their targets (recursive process graphs: any value past 8
        nested references, far deeper than the plugin's graphs nest)."""
        if isinstance(schema, dict):
            if "$ref" in schema:
                return {} if refs >= 8 else self.inline(self._resolve({"$ref": schema["$ref"]}), refs + 1)
            return {key: (self.inline(value, refs) if key not in ("enum", "const", "default", "required") else value)
                    for key, value in schema.items()
                    if key not in ("$id", "$schema", "discriminator", "readOnly", "writeOnly", "example",
                                   "examples", "externalDocs", "x-status", "x-additionalPropertiesName")}
        if isinstance(schema, list):
            return [self.inline(item, refs) for item in schema]
        return schema

    def check_request(self, method: str, path: str, query: Dict[str, str], headers: Dict[str, str],
                      body: Any) -> List[str]:
        problems: List[str] = []
        where = f"{method} {path}"
        operation = self.operation(method, path)
        if operation is None:
            return [f"{where}: not an endpoint of openEO API 1.2"]
        declared = {}
        for parameter in operation.get("parameters", []):
            parameter = self._resolve(parameter)
            if parameter.get("in") == "query":
                declared[parameter["name"]] = parameter
        for name in query:
            if name not in declared:
                problems.append(f"{where}: query parameter {name!r} is not defined by the API")
        security = operation.get("security", self.doc.get("security"))
        needs_bearer = bool(security) and not any(item == {} for item in security) and \
            any("Bearer" in item for item in security)
        authorization = headers.get("Authorization", "")
        if needs_bearer and path.rstrip("/") != "/credentials/basic" and not BEARER.match(authorization):
            problems.append(f"{where}: needs 'Authorization: Bearer basic//…' or 'oidc/<provider>/…'")
        if path.rstrip("/") == "/credentials/basic" and not authorization.startswith("Basic "):
            problems.append(f"{where}: needs HTTP Basic credentials")
        request_body = self._resolve(operation.get("requestBody")) if operation.get("requestBody") else None
        if request_body:
            schema = request_body.get("content", {}).get("application/json", {}).get("schema")
            if body is None and request_body.get("required"):
                problems.append(f"{where}: the API requires a JSON body")
            elif body is not None and schema is not None:
                validator = jsonschema.Draft7Validator(self.inline(schema))
                for error in sorted(validator.iter_errors(body), key=lambda e: list(e.path)):
                    problems.append(f"{where}: body {'/'.join(map(str, error.path)) or '(root)'}: "
                                    f"{error.message[:200]}")
        elif body not in (None, b"", ""):
            problems.append(f"{where}: the API defines no request body here")
        return problems


class ProcessSpecs:
    """Process specifications by id, for checking process graphs."""

    def __init__(self, processes_dir: Path, fallback: Optional[List[Dict[str, Any]]] = None):
        _need_jsonschema()
        self.specs: Dict[str, Dict[str, Any]] = {}
        self.from_files = set()
        for fallback_spec in fallback or []:
            self.specs[fallback_spec["id"]] = fallback_spec
        for path in list(Path(processes_dir).glob("*.json")) + list(Path(processes_dir).glob("backend/*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and "id" in data and "parameters" in data:
                self.specs[data["id"]] = data
                self.from_files.add(data["id"])

    def check_graph(self, graph: Dict[str, Any], parameters: Optional[List[str]] = None,
                    where: str = "graph") -> List[str]:
        problems: List[str] = []
        if not isinstance(graph, dict) or not graph:
            return [f"{where}: empty or not an object"]
        results = [node_id for node_id, node in graph.items() if isinstance(node, dict) and node.get("result")]
        if len(results) != 1:
            problems.append(f"{where}: {len(results)} result nodes (exactly one is required)")
        for node_id, node in graph.items():
            here = f"{where}/{node_id}"
            if not re.match(r"^[\w\-]+$", node_id):
                problems.append(f"{here}: node id is not made of letters, digits, _ and -")
            process_id = node.get("process_id")
            spec = self.specs.get(process_id)
            if spec is None:
                problems.append(f"{here}: unknown process {process_id!r}")
                continue
            arguments = node.get("arguments")
            if not isinstance(arguments, dict):
                problems.append(f"{here}: arguments missing")
                continue
            by_name = {p["name"]: p for p in spec["parameters"]}
            for name, param in by_name.items():
                if not param.get("optional") and name not in arguments:
                    problems.append(f"{here}: {process_id} needs the argument {name!r}")
            for name, value in arguments.items():
                param = by_name.get(name)
                if param is None:
                    problems.append(f"{here}: {process_id} has no parameter {name!r}")
                    continue
                problems += self._check_value(value, param["schema"], graph, parameters or [],
                                              f"{here}.{name}")
        return problems

    def _check_value(self, value: Any, schema: Any, graph: Dict[str, Any], parameters: List[str],
                     where: str) -> List[str]:
        schemas = schema if isinstance(schema, list) else [schema]
        if isinstance(value, dict) and "from_node" in value:
            return [] if value["from_node"] in graph else [f"{where}: from_node {value['from_node']!r} is no node"]
        if isinstance(value, dict) and "from_parameter" in value:
            return [] if value["from_parameter"] in parameters else [
                f"{where}: from_parameter {value['from_parameter']!r} is not a parameter here ({parameters})"]
        if isinstance(value, dict) and "process_graph" in value:
            callbacks = [s for s in schemas if isinstance(s, dict) and s.get("subtype") == "process-graph"]
            if not callbacks:
                return [f"{where}: a child process graph where the parameter does not take one"]
            offered = [p["name"] for p in callbacks[0].get("parameters", [])]
            return self.check_graph(value["process_graph"], offered, where)
        problems: List[str] = []
        if isinstance(value, dict):
            for key, item in value.items():  # references inside objects (e.g. GeoJSON is plain data)
                if isinstance(item, dict) and ({"from_node", "from_parameter"} & set(item)):
                    problems += self._check_value(item, {}, graph, parameters, f"{where}.{key}")
        if isinstance(value, list) and any(isinstance(i, dict) and ({"from_node", "from_parameter"} & set(i))
                                           for i in value):
            return problems
        if problems:
            return problems
        plain = [_plain_schema(s) for s in schemas]
        if not any(jsonschema.Draft7Validator(s).is_valid(value) for s in plain):
            return [f"{where}: {json.dumps(value)[:120]} matches none of the parameter's types "
                    f"{[s.get('type', s.get('subtype', 'any')) for s in schemas if isinstance(s, dict)]}"]
        return []


def _plain_schema(schema: Any) -> Any:
    """A process parameter schema as plain JSON Schema (openEO's subtype/parameters keywords dropped)."""
    schema = copy.deepcopy(schema)

    def strip(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("subtype", "parameters", "returns", "deprecated")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    return strip(schema)


class ValidatingSession(requests.Session):
    """Checks each request against the API spec (paths relative to `api_root`) before sending it."""

    def __init__(self, spec: ApiSpec, api_root: str):
        super().__init__()
        self.spec = spec
        self.api_root = api_root.rstrip("/")
        self.problems: List[str] = []
        self.checked: List[str] = []

    def request(self, method, url, params=None, data=None, headers=None, json=None, **kwargs):  # noqa: D102
        full = requests.Request(method, url, params=params, headers=headers, json=json, data=data,
                                auth=kwargs.get("auth")).prepare()
        if full.url.startswith(self.api_root + "/") or full.url == self.api_root:
            parts = urlsplit(full.url)
            path = parts.path[len(urlsplit(self.api_root).path):] or "/"
            query = dict(parse_qsl(parts.query))
            self.checked.append(f"{method} {path}")
            self.problems += self.spec.check_request(method, path, query, dict(full.headers), json)
        return super().request(method, url, params=params, data=data, headers=headers, json=json, **kwargs)
