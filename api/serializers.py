from django.conf import settings
from django.utils import timezone
from rest_framework import serializers


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know, so that a typo is a 400 and not a silent loss."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class LocalDateTimeField(serializers.DateTimeField):
    """A date-time; one given without an offset is read in TIME_ZONE, and refused when that local
    time does not exist there (the hour clocks skip in spring) or exists twice (the hour repeated
    in autumn). DRF would silently pick one of the two readings, an hour off."""

    default_error_messages = {
        "local_time": "{value} does not exist or is ambiguous in {zone} (clocks change); give a UTC offset."
    }

    def enforce_timezone(self, value):
        zone = getattr(self, "timezone", None) or self.default_timezone()
        if settings.USE_TZ and zone is not None and timezone.is_naive(value):
            earlier, later = value.replace(tzinfo=zone, fold=0), value.replace(tzinfo=zone, fold=1)
            if earlier.utcoffset() != later.utcoffset():
                self.fail("local_time", value=value.isoformat(), zone=zone)
        return super().enforce_timezone(value)
