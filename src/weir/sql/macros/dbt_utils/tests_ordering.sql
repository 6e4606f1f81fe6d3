{#- Generic tests on time and ordering. -#}

{#-
    Fails when the latest `field` is older than now minus `interval` `datepart`s
    (per group with group_by_columns). With ignore_time_component both sides
    are compared as dates. A model with no rows has a null maximum and passes.
-#}
{% test recency(model, field, datepart, interval, ignore_time_component=False, group_by_columns=[]) %}
    {{ return(adapter.dispatch('test_recency', 'dbt_utils')(model, field, datepart, interval, ignore_time_component, group_by_columns)) }}
{% endtest %}

{% macro default__test_recency(model, field, datepart, interval, ignore_time_component=False, group_by_columns=[]) %}
{%- set threshold_type = 'date' if ignore_time_component else dbt.type_timestamp() -%}
{%- set threshold = 'cast(' ~ dbt.dateadd(datepart, interval * -1, dbt.current_timestamp()) ~ ' as ' ~ threshold_type ~ ')' -%}
{%- set group_select = group_by_columns | join(', ') ~ ', ' if group_by_columns else '' -%}
{%- set group_clause = 'group by ' ~ group_by_columns | join(', ') if group_by_columns else '' %}
with recency as (
    select
        {{ group_select }}
        {%- if ignore_time_component %}
        cast(max({{ field }}) as date) as most_recent
        {%- else %}
        max({{ field }}) as most_recent
        {%- endif %}
    from {{ model }}
    {{ group_clause }}
)

select
    {{ group_select }}
    most_recent,
    {{ threshold }} as threshold
from recency
where most_recent < {{ threshold }}
{% endmacro %}


{#-
    Fails on each row whose value is not the previous value (in sorted order,
    per group) plus `interval` (plus `interval` `datepart`s when datepart is set).
-#}
{% test sequential_values(model, column_name, interval=1, datepart=None, group_by_columns=[]) %}
    {{ return(adapter.dispatch('test_sequential_values', 'dbt_utils')(model, column_name, interval, datepart, group_by_columns)) }}
{% endtest %}

{% macro default__test_sequential_values(model, column_name, interval=1, datepart=None, group_by_columns=[]) %}
{%- set previous_column_name = 'previous_' ~ dbt_utils.slugify(column_name) -%}
{%- set group_select = group_by_columns | join(', ') ~ ', ' if group_by_columns else '' -%}
{%- set partition_clause = 'partition by ' ~ group_by_columns | join(', ') if group_by_columns else '' %}
with windowed as (
    select
        {{ group_select }}
        {{ column_name }},
        lag({{ column_name }}) over (
            {{ partition_clause }}
            order by {{ column_name }}
        ) as {{ previous_column_name }}
    from {{ model }}
)

select *
from windowed
{%- if datepart %}
where not (
    cast({{ column_name }} as {{ dbt.type_timestamp() }})
    = cast({{ dbt.dateadd(datepart, interval, previous_column_name) }} as {{ dbt.type_timestamp() }})
)
{%- else %}
where not ({{ column_name }} = {{ previous_column_name }} + {{ interval }})
{%- endif %}
{% endmacro %}


{#-
    Fails on each range [lower_bound, upper_bound) that is empty or inverted, or
    that does not meet the next range (in lower-bound order, per partition) as
    `gaps` requires: 'allowed' (no overlap), 'not_allowed' (exactly adjacent),
    'required' (a gap). zero_length_range_allowed accepts lower = upper.
    Null bounds fail.
-#}
{% test mutually_exclusive_ranges(model, lower_bound_column, upper_bound_column, partition_by=None, gaps='allowed', zero_length_range_allowed=False) %}
    {{ return(adapter.dispatch('test_mutually_exclusive_ranges', 'dbt_utils')(model, lower_bound_column, upper_bound_column, partition_by, gaps, zero_length_range_allowed)) }}
{% endtest %}

{% macro default__test_mutually_exclusive_ranges(model, lower_bound_column, upper_bound_column, partition_by=None, gaps='allowed', zero_length_range_allowed=False) %}
{%- set gap_ops = {'not_allowed': ('=', 'equal_to'), 'allowed': ('<=', 'less_than_or_equal_to'), 'required': ('<', 'less_than')} -%}
{%- if gaps not in gap_ops -%}
    {{ exceptions.raise_compiler_error(
        "`gaps` argument for mutually_exclusive_ranges test must be one of ['not_allowed', 'allowed', 'required'] Got: '" ~ gaps ~ "'."
    ) }}
{%- endif -%}
{%- if zero_length_range_allowed not in [true, false] -%}
    {{ exceptions.raise_compiler_error(
        "`zero_length_range_allowed` argument for mutually_exclusive_ranges test must be one of [true, false] Got: '" ~ zero_length_range_allowed ~ "'."
    ) }}
{%- endif -%}
{%- set gap_op, gap_words = gap_ops[gaps] -%}
{%- set length_op, length_words = ('<=', 'less_than_or_equal_to') if zero_length_range_allowed else ('<', 'less_than') -%}
{%- set partition_clause = 'partition by ' ~ partition_by if partition_by else '' %}
with window_functions as (
    select
        {%- if partition_by %}
        {{ partition_by }} as partition_by_col,
        {%- endif %}
        {{ lower_bound_column }} as lower_bound,
        {{ upper_bound_column }} as upper_bound,
        lead({{ lower_bound_column }}) over (
            {{ partition_clause }}
            order by {{ lower_bound_column }}, {{ upper_bound_column }}
        ) as next_lower_bound,
        row_number() over (
            {{ partition_clause }}
            order by {{ lower_bound_column }} desc, {{ upper_bound_column }} desc
        ) = 1 as is_last_record
    from {{ model }}
),

calc as (
    select
        *,
        coalesce(lower_bound {{ length_op }} upper_bound, false)
            as lower_bound_{{ length_words }}_upper_bound,
        coalesce(upper_bound {{ gap_op }} next_lower_bound, is_last_record, false)
            as upper_bound_{{ gap_words }}_next_lower_bound
    from window_functions
)

select *
from calc
where not (
    lower_bound_{{ length_words }}_upper_bound
    and upper_bound_{{ gap_words }}_next_lower_bound
)
{% endmacro %}
