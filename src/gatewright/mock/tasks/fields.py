"""The field names a task body uses for its id, progress, timestamps, error and result URLs.

No API is named here: these are the words gateways use, matched against the response
schema (and the body the mock would have sent) by ``render.render_task``.
"""

from __future__ import annotations

__all__ = ["ERROR_FIELDS", "ID_FIELDS", "NESTED_RESULT_FIELDS", "PROGRESS_FIELDS", "TIMESTAMPS", "URL_FIELDS"]

ID_FIELDS = ("id", "task_id", "taskId", "job_id", "jobId", "request_id", "generation_id")
PROGRESS_FIELDS = ("progress", "percent", "progress_percent", "percentage")
TIMESTAMPS: dict[str, tuple[str, ...]] = {
    "created": (
        "created_at",
        "createdAt",
        "created",
        "create_time",
        "createTime",
        "submit_time",
        "submitTime",
        "submitted_at",
    ),
    "started": ("started_at", "startedAt", "start_time", "startTime"),
    "updated": ("updated_at", "updatedAt", "update_time", "updateTime"),
    "completed": (
        "completed_at",
        "completedAt",
        "finished_at",
        "finishedAt",
        "finish_time",
        "finishTime",
        "ended_at",
        "done_at",
    ),
    "cancelled": ("cancelled_at", "canceled_at", "cancel_requested_at", "cancelledAt", "canceledAt"),
    "failed": ("failed_at", "failedAt"),
}
ERROR_FIELDS = ("error", "fail_reason", "failReason", "failure_reason", "error_message")
URL_FIELDS = (
    "url",
    "uri",
    "download_url",
    "video_url",
    "image_url",
    "audio_url",
    "file_url",
    "model_url",
    "glb_url",
    "imageUrl",
    "videoUrl",
    "audioUrl",
    "output_url",
    "signed_url",
)
NESTED_RESULT_FIELDS = (
    "data",
    "results",
    "images",
    "videos",
    "audios",
    "files",
    "outputs",
    "output",
    "items",
    "assets",
    "artifacts",
    "metadata",
)
