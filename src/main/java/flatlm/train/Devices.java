package flatlm.train;

import flatlm.util.BadInputException;
import org.bytedeco.pytorch.global.torch;

/** Where a model may go: "cpu" always; "cuda" only with a CUDA build of libtorch and a GPU it sees. */
public final class Devices {
    private Devices() {}

    /** A one-line error, before any tensor is made, where {@code device} cannot be used here. */
    public static void require(String device) {
        if (device == null || !device.startsWith("cuda")) return;
        if (!torch.hasCUDA())
            throw new BadInputException("device " + device + ": this is the CPU build of flatlm (its libtorch, org.bytedeco:pytorch "
                + "linux-x86_64, has no CUDA); a GPU build needs org.bytedeco:pytorch-gpu (classifier linux-x86_64-gpu) and "
                + "org.bytedeco:cuda-platform-redist in pom.xml in place of pytorch, then mvn package, on a machine with an NVIDIA driver");
        if (!torch.cuda_is_available())
            throw new BadInputException("device " + device + ": libtorch has CUDA but sees no GPU (nvidia-smi tells; CUDA_VISIBLE_DEVICES?)");
    }
}
