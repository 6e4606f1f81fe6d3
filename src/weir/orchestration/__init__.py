"""weir.orchestration: pipelines of tasks, schedules, retries, an executor and a scheduler.

Airflow names are aliases: ``DAG = Pipeline``, ``PythonOperator = PythonTask``, ``BashOperator = ShellTask``.
"""

from weir.orchestration.context import TaskContext
from weir.orchestration.deps import XComArg
from weir.orchestration.operators import BuildTask, Sensor, ShellTask, SQLTask
from weir.orchestration.pipeline import Pipeline, TaskGroup, dag, pipeline
from weir.orchestration.project import ProjectHandle
from weir.orchestration.runner import PipelineRunResult
from weir.orchestration.sensors import ExternalTaskSensor, FileSensor, PipelineSensor, TableSensor
from weir.orchestration.taskflow import task, task_input_hash
from weir.orchestration.tasks import PythonTask, SkipTask, Task, TaskTimeout, TriggerRule

DAG = Pipeline
PythonOperator = PythonTask
BashOperator = ShellTask
SQLExecuteQueryOperator = SQLTask
AirflowSkipException = SkipTask

__all__ = [
    "DAG", "AirflowSkipException", "BashOperator", "BuildTask", "ExternalTaskSensor", "FileSensor", "Pipeline",
    "PipelineRunResult", "PipelineSensor", "ProjectHandle", "PythonOperator", "PythonTask", "SQLExecuteQueryOperator",
    "SQLTask", "Sensor", "ShellTask", "SkipTask", "TableSensor", "Task", "TaskContext", "TaskGroup", "TaskTimeout",
    "TriggerRule", "XComArg", "dag", "pipeline", "task", "task_input_hash",
]
