"""The batch job plugin: tasks that run as jobs of a batch system, through a connector.

from flyteplugins.batch_job import BatchJobConfig, BatchJobTask
"""

from flyteplugins.batch_job.config import BatchJobConfig, BatchJobMetadata
from flyteplugins.batch_job.connector import BatchJobConnector
from flyteplugins.batch_job.task import BatchJobTask

__all__ = ["BatchJobConfig", "BatchJobConnector", "BatchJobMetadata", "BatchJobTask"]
