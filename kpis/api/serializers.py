from rest_framework import serializers


class KpiQueryCountSerializer(serializers.Serializer):
    query = serializers.CharField()
    count = serializers.IntegerField()


class KpiResultSerializer(serializers.Serializer):
    """One row of a metric: its key and the figures of the metric's kind (see KPIS.md)."""

    key = serializers.JSONField(allow_null=True, help_text="The dimension value (null: missing or no `by`).")
    value = serializers.FloatField(
        required=False, help_text="Counts and sums; per-day metrics: the last day's."
    )
    count = serializers.IntegerField(required=False)
    mean = serializers.FloatField(required=False, allow_null=True)
    median = serializers.FloatField(required=False, allow_null=True)
    p90 = serializers.FloatField(required=False, allow_null=True)
    numerator = serializers.IntegerField(required=False)
    denominator = serializers.IntegerField(required=False)
    rate = serializers.FloatField(required=False, allow_null=True)
    achieved = serializers.IntegerField(required=False)
    breached = serializers.IntegerField(required=False)
    pending = serializers.IntegerField(required=False)
    entered = serializers.IntegerField(required=False)
    moved_on = serializers.IntegerField(required=False)
    days = serializers.ListField(child=serializers.DictField(), required=False)
    label = serializers.CharField(
        required=False, allow_null=True, help_text="Help-center metrics by category or article: its name."
    )
    searches = serializers.IntegerField(required=False, help_text="searches_without_result: all searches.")
    queries = KpiQueryCountSerializer(
        many=True,
        required=False,
        help_text="searches_without_result: the most frequent queries without a result.",
    )


class KpiAnswerSerializer(serializers.Serializer):
    metric = serializers.CharField()
    date_from = serializers.DateField(source="from")
    to = serializers.DateField()
    by = serializers.CharField(allow_null=True)
    results = KpiResultSerializer(many=True)


class KpiErrorSerializer(serializers.Serializer):
    detail = serializers.JSONField()
