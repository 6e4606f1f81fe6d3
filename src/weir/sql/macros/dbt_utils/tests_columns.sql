{#-
    Generic tests on a column as a whole. `group_by_columns` runs the check once
    per group; each failing group (or the whole model) is one returned row.
-#}

{#- fails when the share of non-null values is outside [at_least, at_most] -#}
{% test not_null_proportion(model, column_name, at_least, at_most=1.0, group_by_columns=[]) %}
    {{ return(adapter.dispatch('test_not_null_proportion', 'dbt_utils')(model, column_name, at_least, at_most, group_by_columns)) }}
{% endtest %}

{% macro default__test_not_null_proportion(model, column_name, at_least, at_most=1.0, group_by_columns=[]) %}
{%- set group_select = group_by_columns | join(', ') ~ ', ' if group_by_columns else '' -%}
{%- set group_clause = 'group by ' ~ group_by_columns | join(', ') if group_by_columns else '' %}
with validation as (
    select
        {{ group_select }}
        sum(case when {{ column_name }} is null then 0 else 1 end)
            / cast(count(*) as {{ dbt.type_numeric() }}) as not_null_proportion
    from {{ model }}
    {{ group_clause }}
)

select
    {{ group_select }}
    not_null_proportion
from validation
where not_null_proportion < {{ at_least }}
    or not_null_proportion > {{ at_most }}
{% endmacro %}


{#- fails when the column holds a single distinct non-null value -#}
{% test not_constant(model, column_name, group_by_columns=[]) %}
    {{ return(adapter.dispatch('test_not_constant', 'dbt_utils')(model, column_name, group_by_columns)) }}
{% endtest %}

{% macro default__test_not_constant(model, column_name, group_by_columns=[]) %}
{%- set group_select = group_by_columns | join(', ') ~ ', ' if group_by_columns else '' -%}
{%- set group_clause = 'group by ' ~ group_by_columns | join(', ') if group_by_columns else '' %}
select
    {{ group_select }}
    count(distinct {{ column_name }}) as filler_column
from {{ model }}
{{ group_clause }}
having count(distinct {{ column_name }}) = 1
{% endmacro %}


{#- fails when the column has no non-null value (an empty model fails too) -#}
{% test at_least_one(model, column_name, group_by_columns=[]) %}
    {{ return(adapter.dispatch('test_at_least_one', 'dbt_utils')(model, column_name, group_by_columns)) }}
{% endtest %}

{% macro default__test_at_least_one(model, column_name, group_by_columns=[]) %}
{%- set kept = [] -%}
{%- for col in group_by_columns -%}
    {%- do kept.append(col) -%}
{%- endfor -%}
{%- if column_name not in kept -%}
    {%- do kept.append(column_name) -%}
{%- endif -%}
{%- set group_select = group_by_columns | join(', ') ~ ', ' if group_by_columns else '' -%}
{%- set group_clause = 'group by ' ~ group_by_columns | join(', ') if group_by_columns else '' %}
select *
from (
    with pruned_rows as (
        select {{ kept | join(', ') }}
        from {{ model }}
        {%- if not group_by_columns %}
        where {{ column_name }} is not null
        limit 1
        {%- endif %}
    )

    select
        {{ group_select }}
        count({{ column_name }}) as filler_column
    from pruned_rows
    {{ group_clause }}
    having count({{ column_name }}) = 0
) validation_errors
{% endmacro %}
