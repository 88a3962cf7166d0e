"""Every model, imported in one place for Alembic and for relationship resolution."""

from portal.advocates.models import (  # noqa: F401
    Account,
    AccountDomain,
    AdvocateProfile,
    Ask,
    DiscussionTopic,
    Employment,
    OpenType,
    Product,
    UsageConsent,
    UsageConsentChange,
)
from portal.advocates.notes import StaffNote  # noqa: F401
from portal.api.models import ApiToken, IdempotentRequest  # noqa: F401
from portal.audit.models import AuditEvent  # noqa: F401
from portal.auth.models import User, UserIdentity, UserSession  # noqa: F401
from portal.cache import CacheVersion  # noqa: F401
from portal.images import StoredImage  # noqa: F401
from portal.insight.summaries import InsightSnapshot, PointsDay, QualifiedSnapshot  # noqa: F401
from portal.jobs.models import BackgroundJob, JobRun  # noqa: F401
from portal.mail.models import MailPreference, OutboxMessage  # noqa: F401
from portal.notifications.models import Notification  # noqa: F401
from portal.once import FormToken  # noqa: F401
from portal.opportunities.models import Opportunity, Participation  # noqa: F401
from portal.privacy.models import DeletionRequest  # noqa: F401
from portal.recognition.models import (  # noqa: F401
    Badge,
    BadgeAward,
    PointsEntry,
    Standing,
    Tier,
    TierEvent,
)
from portal.references.models import (  # noqa: F401
    ReferenceAsk,
    ReferenceRecord,
    ReferenceRequest,
)
from portal.referrals.models import Referral, ReferralEvent  # noqa: F401
from portal.settings import Setting  # noqa: F401
from portal.stories.models import Story  # noqa: F401
from portal.transfer.models import DataImport  # noqa: F401
from portal.webhooks.models import (  # noqa: F401
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
