"""The inside of a Python execution environment (the Python twin of child.ts).

Started by execution-environment.ts with the machine's python3: loads the function's handler once
(the init phase) and runs one invocation at a time. It speaks the Node child's protocol as JSON
lines on file descriptor 3 (a socket pair): in {"type": "init"} and {"type": "invoke", ...}; out
{"type": "ready"}, {"type": "log", ...} (print) and {"type": "result", ...}.
Handler loading and error wording follow AWS's Python runtime interface client. Standard library only.
"""

import importlib
import json
import socket
import sys
import time
import traceback

config = json.loads(sys.argv[1])
# /var/task first, then the layers' folders (hook for layers: config["pythonPath"]); not this folder
sys.path[0:1] = [config["taskRoot"], *config.get("pythonPath", [])]

channel = socket.socket(fileno=3)
incoming = channel.makefile("r", encoding="utf-8")


def post(message):
    channel.sendall((json.dumps(message) + "\n").encode("utf-8"))


class ChannelWriter:
    """print() travels on the result channel, so that a function's lines are logged before its result."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        if text:
            post({"type": "log", "stream": self.stream, "text": text})
        return len(text)

    def flush(self):
        pass


sys.stdout = ChannelWriter("stdout")
sys.stderr = ChannelWriter("stderr")


class Fault(Exception):
    def __init__(self, error_type, message, trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.trace = trace or []


def failure(error_type, message, trace):
    return {"errorType": error_type, "errorMessage": message, "trace": trace}


def load_handler():
    full = config["handler"]
    try:
        module_name, function_name = full.rsplit(".", 1)
    except ValueError as err:
        raise Fault("Runtime.MalformedHandlerName", f"Bad handler '{full}': {err}")
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise Fault(
            "Runtime.BuiltInModuleConflict",
            f"Cannot use built-in module {module_name} as a handler module",
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as err:
        raise Fault("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {err}")
    except SyntaxError as err:
        trace = [f'  File "{err.filename}" Line {err.lineno}\n    {err.text}']
        raise Fault("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {err}", trace)
    handler = getattr(module, function_name, None)
    if handler is None:
        raise Fault("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'")
    return handler


class Context:
    """The fields and method of AWS's Python LambdaContext that functions use."""

    def __init__(self, fields):
        self.function_name = fields["functionName"]
        self.function_version = fields["functionVersion"]
        self.invoked_function_arn = fields["invokedFunctionArn"]
        self.memory_limit_in_mb = int(fields["memoryLimitInMB"])
        self.aws_request_id = fields["awsRequestId"]
        self.log_group_name = fields["logGroupName"]
        self.log_stream_name = fields["logStreamName"]
        self.identity = None
        self.client_context = None
        self._deadline_ms = fields["deadlineMs"]

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


handler = None
init_error = None


def ensure_handler():
    global handler, init_error
    if handler is None:
        try:
            handler = load_handler()
            init_error = None
        except Fault as fault:
            init_error = failure(fault.error_type, fault.message, fault.trace)
        except Exception as err:  # an error raised while the module ran its top level
            init_error = failure(type(err).__name__, str(err), traceback.format_exception(err))


def invoke(message):
    ensure_handler()
    if init_error is not None:
        return {"ok": False, "error": init_error}
    try:
        result = handler(json.loads(message["event"]), Context(message["context"]))
    except Exception as err:
        return {"ok": False, "error": failure(type(err).__name__, str(err), traceback.format_exception(err))}
    try:
        return {"ok": True, "payload": json.dumps(result)}
    except (TypeError, ValueError) as err:
        return {"ok": False, "error": failure("Runtime.MarshalError", f"Unable to marshal response: {err}", [])}


for line in incoming:
    message = json.loads(line)
    if message.get("type") == "init":
        ensure_handler()
        post({"type": "ready"})
    elif message.get("type") == "invoke":
        outcome = invoke(message)
        post({"type": "result", "id": message["id"], **outcome})
