using Auralis.Fingerprinting;
using Auralis.Fingerprinting.Managed;

namespace Auralis.Tests.Fingerprinting;

public sealed class ManagedFingerprintContractTests : FingerprintContractTests
{
    protected override IFingerprintEngine Engine => ManagedFingerprintEngine.Instance;
}
