import Foundation
import Hummingbird
import VigilRouter

/// `GET /openapi.json`: an OpenAPI 3.0 description of the routes, built per request so the
/// `event_type` enum lists the types the data actually holds (third-party plugins add their own).
struct OpenAPIController<Context: RequestContext>: Sendable {
    let repository: EventRepository
    let version: String
    let bearerToken: Bool

    @Sendable func document(_ request: Request, context: Context) async throws -> Response {
        let types = try await repository.eventTypes().sorted()
        let typesJSON = try EnvelopeJSON.encode(types)
        let text = OpenAPIDocument.template
            .replacingOccurrences(of: "\"@EVENT_TYPES@\"", with: String(decoding: typesJSON, as: UTF8.self))
            .replacingOccurrences(of: "@VERSION@", with: version)
            .replacingOccurrences(of: "\"@SECURITY@\"", with: bearerToken ? "[{\"bearerAuth\": []}]" : "[]")
            .replacingOccurrences(of: "\"@UNAUTHORIZED@\"", with: bearerToken ? OpenAPIDocument.unauthorized : "")
            .replacingOccurrences(of: "@CAMERA_PATTERN@", with: OpenAPIDocument.cameraPattern)
        return .json(Array(text.utf8))
    }
}

enum OpenAPIDocument {
    static let cameraPattern = "^[A-Za-z0-9][A-Za-z0-9 _.:@-]{0,99}$"
    static let unauthorized = "\"401\": {\"$ref\": \"#/components/responses/Unauthorized\"},"

    static let template = """
    {
      "openapi": "3.0.3",
      "info": {"title": "vigil", "version": "@VERSION@",
               "description": "Stored security-camera events (motion, tracking, ANPR and third-party types), their snapshots, statistics, service status and metrics."},
      "security": "@SECURITY@",
      "paths": {
        "/api/events": {"get": {
          "operationId": "listEvents", "summary": "Events, newest first, filtered and paged.",
          "parameters": [
            {"name": "camera_id", "in": "query", "schema": {"type": "string", "pattern": "@CAMERA_PATTERN@"}},
            {"name": "event_type", "in": "query", "schema": {"type": "string", "enum": "@EVENT_TYPES@"}},
            {"name": "start_time", "in": "query", "description": "ISO 8601, inclusive; without a zone it is UTC.", "schema": {"type": "string", "format": "date-time"}},
            {"name": "end_time", "in": "query", "description": "ISO 8601, inclusive; not before start_time.", "schema": {"type": "string", "format": "date-time"}},
            {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 1}},
            {"name": "page_size", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}},
            {"name": "plate", "in": "query", "description": "A license plate: events of the ANPR reads of it. Case, spaces and dashes are ignored. With PLATE_ENCRYPTION_KEY set it needs API_TOKEN (403 otherwise).", "schema": {"type": "string", "minLength": 1, "maxLength": 64}}
          ],
          "responses": {
            "200": {"description": "One page of events.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EventPage"}}}},
            "@UNAUTHORIZED@"
            "400": {"$ref": "#/components/responses/BadRequest"}
          }}},
        "/api/events/stats": {"get": {
          "operationId": "eventStats", "summary": "Counts by type and camera, first and last event, the last 24 hours by hour.",
          "responses": {
            "@UNAUTHORIZED@"
            "200": {"description": "Statistics.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Stats"}}}}
          }}},
        "/api/events/{id}": {"get": {
          "operationId": "getEvent", "summary": "One event.",
          "parameters": [{"$ref": "#/components/parameters/EventID"}],
          "responses": {
            "200": {"description": "The event.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}},
            "@UNAUTHORIZED@"
            "400": {"$ref": "#/components/responses/BadRequest"},
            "404": {"$ref": "#/components/responses/NotFound"}
          }}},
        "/api/events/{id}/snapshot": {"get": {
          "operationId": "getEventSnapshot", "summary": "The event's snapshot PNG.",
          "parameters": [{"$ref": "#/components/parameters/EventID"}],
          "responses": {
            "200": {"description": "The PNG file.", "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}}},
            "@UNAUTHORIZED@"
            "400": {"$ref": "#/components/responses/BadRequest"},
            "404": {"$ref": "#/components/responses/NotFound"}
          }}},
        "/api/events/live": {"get": {
          "operationId": "liveEvents", "summary": "WebSocket: events as they are published.",
          "description": "Connect with Upgrade: websocket (OpenAPI cannot describe the messages). Each text message is one event, exactly the published JSON (schema Event). since_id first replays the matching stored events with larger ids (oldest first, at most 10000), then continues live without a gap or a duplicate. With API_TOKEN set, pass ?token=<API_TOKEN> (browsers cannot set headers on a WebSocket) or the Authorization header; a wrong or missing token is closed with code 4401. Close codes: 1000 vigil stopping; 1008 the client fell 1 MiB behind (it is dropped, never slowing others) or since_id is more than 10000 events back; 4401 token. A bad parameter refuses the handshake with 400. A plain GET without Upgrade gets 426.",
          "parameters": [
            {"name": "camera_id", "in": "query", "schema": {"type": "string", "pattern": "@CAMERA_PATTERN@"}},
            {"name": "event_type", "in": "query", "schema": {"type": "string", "pattern": "^[a-z0-9_.-]{1,50}$"}},
            {"name": "since_id", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 2147483647}},
            {"name": "token", "in": "query", "description": "API_TOKEN, for browsers (WebSocket only).", "schema": {"type": "string"}}
          ],
          "responses": {
            "101": {"description": "Switching protocols: the WebSocket feed."},
            "@UNAUTHORIZED@"
            "400": {"$ref": "#/components/responses/BadRequest"},
            "426": {"description": "Not a WebSocket upgrade request.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
          }}},
        "/ui": {"get": {
          "operationId": "livePage", "summary": "The live web page (HTML, no build step).", "security": [],
          "responses": {"200": {"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}}}}},
        "/": {"get": {
          "operationId": "status", "summary": "Service status: PostgreSQL, Redis, uptime, cameras, router, sinks.", "security": [],
          "responses": {
            "200": {"description": "Healthy.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}},
            "503": {"description": "PostgreSQL or Redis unreachable.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Status"}}}}
          }}},
        "/metrics": {"get": {
          "operationId": "metrics", "summary": "Prometheus metrics.", "security": [],
          "responses": {"200": {"description": "Prometheus text format.", "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
        "/openapi.json": {"get": {
          "operationId": "openapi", "summary": "This document.", "security": [],
          "responses": {"200": {"description": "OpenAPI 3.0.", "content": {"application/json": {"schema": {"type": "object"}}}}}}}
      },
      "components": {
        "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "description": "API_TOKEN"}},
        "parameters": {
          "EventID": {"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}
        },
        "responses": {
          "BadRequest": {"description": "A parameter is malformed or out of range; the message names it.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "NotFound": {"description": "No such event, or it has no snapshot.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
          "Unauthorized": {"description": "API_TOKEN is set and the request did not carry it.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        },
        "schemas": {
          "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}, "additionalProperties": false},
          "Event": {"type": "object",
            "required": ["id", "event_type", "camera_id", "timestamp", "frame_number", "snapshot_path", "event_data", "created_at"],
            "properties": {
              "id": {"type": "integer", "minimum": 1},
              "event_type": {"type": "string", "minLength": 1, "maxLength": 50},
              "camera_id": {"type": "string", "minLength": 1, "maxLength": 100},
              "timestamp": {"type": "string", "description": "UTC, milliseconds, e.g. 2024-10-11T12:34:56.789Z", "pattern": "^\\\\d{4}-\\\\d{2}-\\\\d{2}T\\\\d{2}:\\\\d{2}:\\\\d{2}\\\\.\\\\d{3}Z$"},
              "frame_number": {"type": "integer", "minimum": 0},
              "snapshot_path": {"type": "string", "nullable": true},
              "event_data": {"type": "object"},
              "created_at": {"type": "string", "description": "UTC, microseconds, e.g. 2024-10-11T12:34:56.789123", "pattern": "^\\\\d{4}-\\\\d{2}-\\\\d{2}T\\\\d{2}:\\\\d{2}:\\\\d{2}\\\\.\\\\d{6}$"}
            }},
          "EventPage": {"type": "object", "required": ["events", "total", "page", "page_size", "total_pages"],
            "properties": {
              "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
              "total": {"type": "integer", "minimum": 0}, "page": {"type": "integer", "minimum": 1},
              "page_size": {"type": "integer", "minimum": 1, "maximum": 500}, "total_pages": {"type": "integer", "minimum": 0},
              "total_exact": {"type": "boolean", "description": "Present, and false, when total is an estimate: a partial hour at an edge of the time range held more than 5,000 matching events."}
            }},
          "Stats": {"type": "object", "required": ["total", "by_event_type", "by_camera", "first_event_time", "last_event_time", "last_24_hours"],
            "properties": {
              "total": {"type": "integer", "minimum": 0},
              "by_event_type": {"type": "object", "additionalProperties": {"type": "integer"}},
              "by_camera": {"type": "object", "additionalProperties": {"type": "integer"}},
              "first_event_time": {"type": "string", "nullable": true},
              "last_event_time": {"type": "string", "nullable": true},
              "last_24_hours": {"type": "array", "minItems": 24, "maxItems": 24, "items": {"type": "object", "required": ["hour", "count"],
                "properties": {"hour": {"type": "string"}, "count": {"type": "integer", "minimum": 0}}}}
            }},
          "Status": {"type": "object", "required": ["service", "version", "status", "uptime_seconds", "postgres", "redis", "cameras", "router", "sinks"],
            "properties": {
              "service": {"type": "string"}, "version": {"type": "string"}, "status": {"type": "string", "enum": ["ok", "degraded"]},
              "uptime_seconds": {"type": "number"},
              "postgres": {"type": "object", "properties": {"reachable": {"type": "boolean"}, "server_version": {"type": "string", "nullable": true}, "error": {"type": "string", "nullable": true}}},
              "redis": {"type": "object", "properties": {"reachable": {"type": "boolean"}, "status": {"type": "string", "enum": ["healthy", "unhealthy"]}, "connected": {"type": "boolean"}, "redis_version": {"type": "string", "nullable": true}, "error": {"type": "string", "nullable": true}}},
              "cameras": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "state": {"type": "string"}, "fps": {"type": "number"},
                "frames_read": {"type": "integer"}, "frames_processed": {"type": "integer"}, "detector_errors": {"type": "integer"}}}},
              "router": {"type": "object", "additionalProperties": {"type": "integer"}},
              "sinks": {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}, "pending": {"type": "integer"}, "disabled": {"type": "boolean"}}}},
              "retention": {"type": "object", "description": "Present when retention runs: passes, deletions, snapshot disk use."}
            }}
        }
      }
    }
    """
}
