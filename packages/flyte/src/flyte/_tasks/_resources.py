"""Resources and GPU: the cpu, memory, gpu and ephemeral storage a task requests and is limited to."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GPU", "Resources"]

#: A quantity, or a (request, limit) pair of them.
Quantity = str | int | float
Amount = Quantity | tuple[Quantity, Quantity] | None

#: The node label values Flyte 1 backends select GPUs by, under the names people use for them
#: (flytekit's ``flytekit.extras.accelerators`` constants); any other name is used as written.
GPU_DEVICES = {
    "A10G": "nvidia-a10g",
    "A100": "nvidia-tesla-a100",
    "A100_80GB": "nvidia-a100-80gb",
    "H100": "nvidia-h100",
    "H200": "nvidia-h200",
    "K80": "nvidia-tesla-k80",
    "L4": "nvidia-l4",
    "L4_VWS": "nvidia-l4-vws",
    "L40S": "nvidia-l40s",
    "M60": "nvidia-tesla-m60",
    "P4": "nvidia-tesla-p4",
    "P100": "nvidia-tesla-p100",
    "RTX_PRO_6000": "nvidia-rtx-pro-6000",
    "T4": "nvidia-tesla-t4",
    "V100": "nvidia-tesla-v100",
}

#: The order flytekit writes resource entries in, so that templates compare equal.
_ORDER = ("ephemeral_storage", "cpu", "gpu", "memory")


@dataclass(frozen=True)
class GPU:
    """GPUs of one kind: ``GPU("A100", 2)``, or a slice of one: ``GPU("A100", partition="1g.5gb")``.

    ``device`` is a short name (``A100``, ``T4``, ``H100``, ...: see ``GPU_DEVICES``) or the node
    label value the cluster uses (``nvidia-tesla-a100``). It becomes the template's
    ``extended_resources.gpu_accelerator``, as flytekit's ``accelerator=`` does.
    """

    device: str
    quantity: int = 1
    partition: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.device, str) or not self.device:
            raise ValueError(f"GPU(device={self.device!r}): name the GPU, e.g. 'A100' or 'T4'")
        if (
            not isinstance(self.quantity, int)
            or isinstance(self.quantity, bool)
            or self.quantity < 1
        ):
            raise ValueError(f"GPU(quantity={self.quantity!r}): expected an int >= 1")

    @property
    def device_label(self) -> str:
        """The device as the backend selects nodes by it (``nvidia-tesla-a100`` for ``A100``)."""
        return GPU_DEVICES.get(self.device.upper(), self.device)

    @classmethod
    def parse(cls, text: str) -> GPU:
        """``"A100:2"`` or ``"T4"`` (one GPU) as a :class:`GPU`."""
        device, _, count = text.partition(":")
        try:
            return cls(device.strip(), int(count) if count else 1)
        except ValueError:
            raise ValueError(
                f"gpu={text!r}: expected a count (2), 'DEVICE:COUNT' ('A100:2') or flyte.GPU(...)"
            ) from None


@dataclass(frozen=True)
class Resources:
    """The cpu, memory, gpu and ephemeral storage of a task, in Kubernetes quantities.

    A single value is both the request and the limit; a ``(request, limit)`` pair sets them apart.
    ``gpu`` is a count, or names the GPU too (``"A100:2"``, ``flyte.GPU("A100", partition="1g.5gb")``)::

        Resources(cpu=(1, 2), memory="2Gi", gpu="T4:1", ephemeral_storage="10Gi")
    """

    cpu: Amount = None
    memory: Amount = None
    gpu: Amount | GPU = None
    ephemeral_storage: Amount = None

    def __post_init__(self) -> None:
        if isinstance(self.gpu, str) and not self.gpu.strip().isdigit():
            object.__setattr__(self, "gpu", GPU.parse(self.gpu))
        for name in _ORDER:
            value = getattr(self, name)
            if isinstance(value, GPU):
                continue
            pair = value if isinstance(value, tuple) else (value, value)
            if len(pair) != 2 or not all(
                v is None or (isinstance(v, (str, int, float)) and not isinstance(v, bool))
                for v in pair
            ):
                raise ValueError(
                    f"Resources({name}={value!r}): expected a quantity such as 2, '500m' or "
                    f"'1Gi', or a (request, limit) pair of them"
                )

    @property
    def accelerator(self) -> GPU | None:
        """The kind of GPU asked for, when ``gpu`` names one."""
        return self.gpu if isinstance(self.gpu, GPU) else None

    def requests(self) -> dict[str, str]:
        """The requested quantities by resource name, in the order flytekit writes them."""
        return self._side(0)

    def limits(self) -> dict[str, str]:
        """The limits by resource name, in the order flytekit writes them."""
        return self._side(1)

    def _side(self, index: int) -> dict[str, str]:
        out = {}
        for name in _ORDER:
            value = getattr(self, name)
            if isinstance(value, GPU):
                value = value.quantity
            chosen = value[index] if isinstance(value, tuple) else value
            if chosen is not None:
                out[name] = str(chosen)
        return out
