"""A task's results: chosen when it is created, made servable once it succeeded.

What a lifecycle's ``result`` field holds is planned once per lifecycle
(``results.plan_result``); here each task gets its own value (a signed file URL, a
route of the API, a resource id, a path or text), and a succeeded task's resource id is
put into the store so the route that serves such ids answers for it.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping

from gatewright.mock import media
from gatewright.mock.extensions import MockCall
from gatewright.mock.files import FileSigner
from gatewright.mock.media_bodies import asked_frame, asked_kind, requested_count
from gatewright.mock.scalars import digest_id
from gatewright.mock.state import ResourceStore
from gatewright.mock.tasks.index import Lifecycle
from gatewright.mock.tasks.models import Task
from gatewright.mock.tasks.results import ResultKind, result_schemas
from gatewright.spec.tasks import Phase

__all__ = ["OUTPUTS", "outputs_for", "publish", "result_kind", "results_for"]

OUTPUTS = "outputs"  # the task context's key: its ``set_on_success`` fields' values, by pointer


def results_for(lifecycle: Lifecycle, call: MockCall, task_id: str, files: FileSigner) -> tuple[str, ...]:
    """What the task will show at ``result`` once it succeeds (see ``tasks.results``)."""
    plan = lifecycle.result
    if plan is None:
        return ()
    host = f"{call.request.scheme}://{call.request.host}"
    if plan.kind is ResultKind.RESOURCE and plan.word == "model" and _fine_tunes(lifecycle):
        nodes = tuple(result_schemas(call.api, lifecycle.spec))

        def fits(name: str) -> bool:
            return all(call.api.schemas.holds(node, name) is not False for node in nodes)

        return (_fine_tuned_model(call.api.name, call.body, task_id, fits),)
    if plan.kind is not ResultKind.MEDIA:
        return (plan.value(task_id, call.path_params, base=f"{host}{call.api.prefix}"),)
    kind = result_kind(lifecycle, call)
    assert kind is not None  # one file per item the request asks for (``num_images: 3``: three)
    count = requested_count(call.body) or 1
    frame = asked_frame(call.body, kind)  # an image or video of the size asked (``1536x1024``, ``720p``)
    return tuple(files.url(host, secrets.token_hex(12), kind, frame) for _ in range(count))


def outputs_for(lifecycle: Lifecycle, call: MockCall, task_id: str, files: FileSigner) -> dict[str, str]:
    """What each of the lifecycle's ``set_on_success`` fields will hold once the task succeeds, chosen
    when it is created so every body after shows the same (an adapter file's id, a file's link)."""
    host = f"{call.request.scheme}://{call.request.host}"
    values: dict[str, str] = {}
    for field, plan in lifecycle.outputs:
        if plan.kind is ResultKind.MEDIA:
            model = call.body.get("model") if isinstance(call.body, Mapping) else None
            create = lifecycle.create
            kind = media.media_kind_for(
                field, create.operation_id, create.operation.path, model if isinstance(model, str) else None
            )
            values[field] = files.url(host, secrets.token_hex(12), kind or media.MediaKind.PNG)
        else:
            values[field] = plan.value(task_id, call.path_params, base=f"{host}{call.api.prefix}")
    return values


def result_kind(lifecycle: Lifecycle, call: MockCall) -> media.MediaKind | None:
    """The kind of file a media task's result is: named by the result field, the create's
    operationId, path or model, in the format the request asks for (``output_format: webp``)."""
    plan = lifecycle.result
    if plan is None or plan.kind is not ResultKind.MEDIA or lifecycle.spec.result is None:
        return None
    model = call.body.get("model") if isinstance(call.body, Mapping) else None
    kind = media.media_kind_for(
        lifecycle.spec.result,
        lifecycle.create.operation_id,
        lifecycle.create.operation.path,
        model if isinstance(model, str) else None,
    )
    return asked_kind(call.body, kind) if kind is not None else None


def _fine_tunes(lifecycle: Lifecycle) -> bool:
    path = lifecycle.create.operation.path.lower()
    return "fine_tun" in path or "fine-tun" in path or "finetun" in path


def _fine_tuned_model(api: str, body: object, task_id: str, fits: Callable[[str], bool]) -> str:
    """A fine-tuned model's name from what the job was given, in the first convention the spec's result
    field accepts: OpenAI's ``ft:<base>:<suffix>:<job>``, else the scoped ``ft:<base>:u_<user>:<suffix>``
    (``p_<project>`` for a result asked visible to the project: ipop's documented form). The mock has
    one user and one project per API, so their ids are made from its name."""
    request = body if isinstance(body, Mapping) else {}
    base = _name_part(request.get("model")) or "model"
    suffix = _name_part(request.get("suffix")) or "gatewright"
    project = any(
        isinstance(name, str) and name.endswith("visibility") and value == "project"
        for name, value in request.items()
    )
    owner = f"p_{digest_id(f'{api}/project')[:12]}" if project else f"u_{digest_id(f'{api}/user')[:12]}"
    names = (f"ft:{base}:{suffix}:{task_id.rsplit('_', 1)[-1][:8]}", f"ft:{base}:{owner}:{suffix}")
    return next((name for name in names if fits(name)), names[0])


def _name_part(value: object) -> str:
    """``value`` as one part of a model name: a suffix ``"my bot"`` or ``"a:b"`` would split the name
    or break it, so runs of colons and whitespace become one ``-``."""
    return _SEPARATORS.sub("-", value).strip("-") if isinstance(value, str) else ""


_SEPARATORS = re.compile(r"[:\s]+")


def publish(task: Task, lifecycle: Lifecycle | None, store: ResourceStore) -> None:
    """Make a succeeded task's result id, and its ``set_on_success`` outputs' ids, servable
    (``GET /v1/files/{file_id}`` then answers)."""
    if lifecycle is None or task.phase is not Phase.SUCCEEDED:
        return
    made = task.context.get(OUTPUTS)
    outputs = made if isinstance(made, Mapping) else {}
    ids = [(lifecycle.result, task.results[0] if task.results else None)]
    ids += [(plan, outputs.get(field)) for field, plan in lifecycle.outputs]
    for plan, resource_id in ids:
        if plan is None or plan.kind is not ResultKind.RESOURCE or plan.collection is None:
            continue
        if not isinstance(resource_id, str):
            continue
        collection = f"{task.api}:{plan.collection}"
        if store.get(collection, resource_id) is None and not store.was_deleted(collection, resource_id):
            store.put(collection, resource_id, {"id": resource_id}, budgeted=False)  # (the mock's own: tiny)
