"""A synthetic district for 政策找人 (issue 16): residents, behaviour events, policies and the hidden truth.

    python bench/policy_district.py --district tuning --residents 3000 --out var/policy/tuning
    python bench/policy_district.py --district test --residents 20000 --events 200000 --out var/policy/test

Writes residents.jsonl, events.jsonl, policies.jsonl (the harness's input
formats) and truth.json ({policy_id: [resident_id, ...]}: the residents a
policy is truly for).

A resident is truly for a policy when they meet its conditions AND have the
hidden need it answers. A need shows only in behaviour: posts, replies,
letters and cases that say it (in the policy's own words for some
residents, in colloquial words for most), reads and likes of related
articles. Everyone also writes noise, and confounders: texts that share
words with a need but are not it (电梯又坏了 is not 加装电梯; 我们公司招人 is
not 就业援助). Residents with a need who fail a condition are not in the
truth.

The two districts have different seeds, different policy texts and
different colloquial phrasings: the tuning district's phrasebook is the one
the lexicon was looked at against; the test district's phrases were written
separately afterwards and never used to change the lexicon or a weight.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TZ = dt.timezone(dt.timedelta(hours=8))
SUBDISTRICTS = ["友谊路街道", "吴淞街道", "张庙街道", "罗店镇", "大场镇", "杨行镇", "月浦镇", "罗泾镇", "顾村镇", "高境镇",
                "庙行镇", "淞南镇", "宝山城市工业园区"]
TAGS = ["独居", "空巢", "孤寡", "残疾", "失能", "低保", "低收入", "失业", "退役军人", "婴幼儿家庭", "孕产妇", "慢性病"]


@dataclass
class Need:
    key: str
    eligible: Any                   # (resident dict, age) -> bool: the policy's true conditions
    share: float                    # share of eligible residents who have the need
    formal: list[str]               # phrases in the policy's words
    colloquial: list[str]           # phrases in residents' words
    articles: list[str]             # titles of related articles (read / liked)
    confounders: list[str]          # texts sharing words with the need that are not it


def _age(r: dict[str, Any], today: dt.date) -> int:
    b = dt.date.fromisoformat(r["birth_date"])
    return today.year - b.year - ((today.month, today.day) < (b.month, b.day))


def has(tag: str) -> Any:
    return lambda r, a: tag in r["tags"]


# ---------------------------------------------------------------- policies and needs, per district

TUNING_POLICIES = [
    ("meal", "老年助餐服务补贴", "为解决老年人吃饭难问题，本区户籍、年满60周岁的独居、空巢或孤寡老人，可在社区助餐点享受用餐补贴，行动不便的提供送餐上门服务。"),
    ("elevator", "既有多层住宅加装电梯", "支持老旧多层住宅加装电梯，解决居民上下楼难。本区户籍业主可申请加梯补贴，街镇提供加梯意见征询和代建服务。"),
    ("relief", "临时救助", "对因突发事件、意外事故、重大疾病等原因导致基本生活暂时出现严重困难的本区户籍家庭，给予临时救助。"),
    ("job", "就业困难人员就业援助", "对法定劳动年龄内、登记失业的本区户籍人员提供职业指导、技能培训、岗位推荐和公益性岗位托底安置。"),
    ("childcare", "普惠托育服务", "为3周岁以下婴幼儿家庭提供社区托育、临时托管和科学育儿指导服务，本市户籍家庭托育费用给予补贴。"),
    ("retrofit", "居家适老化改造", "对本区户籍、年满60周岁的老年人家庭实施居家适老化改造，包括地面防滑、安装扶手、紧急呼叫设备等。"),
    ("aids", "残疾人辅助器具租赁补贴", "持证残疾人可申请轮椅、助行器、助听器等康复辅助器具的租赁和适配补贴，并提供上门康复服务。"),
    ("ltc", "长期护理保险服务", "年满60周岁、经评估失能的本市户籍老人，可享受长期护理保险提供的居家上门护理和机构照护服务。"),
    ("visit", "独居老人关爱探访", "为年满65周岁的独居老人提供定期上门探访、电话问候、精神慰藉和紧急呼叫服务。"),
    ("medical", "困难家庭医疗救助", "低保、低收入家庭成员因病产生的自负医疗费用，可申请医疗救助，减轻看病负担。非低保、非低收入家庭不在本政策范围。"),
    ("veteran", "退役军人就业创业扶持", "为退役军人提供就业推荐、职业技能培训和创业担保贷款贴息，帮助退役士兵稳定就业。"),
    ("chronic", "慢性病长处方服务", "签约家庭医生、患有高血压、糖尿病等慢性病的60周岁以上居民，可享受长处方和送药上门服务，减少往返配药。"),
]

TEST_POLICIES = [
    ("meal", "长者社区食堂就餐优惠", "本区户籍年满六十周岁，独居、纯老或孤寡的长者，到社区长者食堂就餐可享受每餐优惠，身体不便者可预约配送到家。"),
    ("elevator", "老房加梯便民办理", "多层老公房增设电梯，一站式办理，对本区户籍业主给予资金补贴，缓解高楼层居民出行难。"),
    ("relief", "急难型临时救助", "家庭因意外、突发变故、大病等遭遇生活困境的，本区户籍居民可申请急难型临时救助，先行救助、事后补办手续。"),
    ("job", "失业人员再就业帮扶", "登记失业、处于劳动年龄段的本区户籍居民，可获得一对一就业指导、免费技能培训、专场招聘和托底岗位。"),
    ("childcare", "宝宝屋托育服务", "家中有3周岁以下幼儿的家庭，可到社区宝宝屋享受每月免费托育时长，并获得育儿讲座和入户指导。"),
    ("retrofit", "老年人家庭适老化改造补贴", "对本区户籍60周岁以上老年人居住的住房进行适老化改造，安装卫生间扶手、铺设防滑地面、配置一键呼叫装置。"),
    ("aids", "残疾人康复辅具适配", "本区持证残疾人可免费评估适配轮椅、助听器、假肢等康复辅具，并享受社区康复训练。"),
    ("ltc", "长护险居家照护", "年满60周岁、照护等级评估为二至六级的失能老人，可由护理员上门提供洗浴、翻身、喂饭等照护服务。"),
    ("visit", "独居长者守护计划", "对65周岁以上独居长者开展每周上门看望、每日电话问候、安装烟感和智能水表等安全守护服务。"),
    ("medical", "医疗费用减免救助", "低保对象、低收入困难家庭成员住院和门诊自付费用超过一定金额的，给予医疗救助。"),
    ("veteran", "退役军人关爱帮扶", "对退役军人开展就业创业帮扶、技能培训和困难帮扶，帮助退伍老兵解决实际困难。"),
    ("chronic", "慢病患者家门口配药", "患高血压、糖尿病等慢性病的60周岁以上签约居民，可在社区卫生服务中心开具长处方，药品可送到家。"),
]


def needs(district: str) -> dict[str, Need]:
    old60 = lambda r, a: a >= 60 and r["hukou"] == "本区"  # noqa: E731
    if district == "tuning":
        return {
            "meal": Need("meal", lambda r, a: old60(r, a) and bool({"独居", "空巢", "孤寡"} & set(r["tags"])), 0.5,
                         ["想申请老年助餐", "社区助餐点能不能开到我们这", "送餐上门服务怎么申请"],
                         ["年纪大了做不动饭", "一日三餐没着落", "天天吃泡饭凑合", "烧不动饭了，吃饭成问题", "自己烧饭太吃力"],
                         ["社区助餐点开张啦", "老年助餐服务指南"],
                         ["楼下新开的饭店味道不错", "周末去吃了自助餐，太撑了"]),
            "elevator": Need("elevator", lambda r, a: r["hukou"] == "本区", 0.12,
                             ["我们楼想加装电梯", "加装电梯补贴怎么申请", "加梯签字什么时候开始"],
                             ["住六楼爬不动楼了", "腿脚不好天天爬楼梯", "老楼没电梯下楼一趟不容易", "上下楼太难了"],
                             ["既有住宅加装电梯问答", "加梯成功案例"],
                             ["电梯又坏了，物业快来修", "电梯老是坏，关人了", "电梯广告太吵"]),
            "relief": Need("relief", lambda r, a: r["hukou"] == "本区", 0.06,
                           ["想申请临时救助", "临时困难救助需要什么材料"],
                           ["家里揭不开锅了", "突然没了收入日子过不下去", "急需用钱借不到", "家里遭了难"],
                           ["临时救助申请指南"],
                           ["捐款帮助山区孩子", "给困难邻居送了点米"]),
            "job": Need("job", lambda r, a: 16 <= a <= 59 and r["hukou"] == "本区" and "失业" in r["tags"], 0.7,
                        ["想参加职业技能培训", "失业登记以后有没有岗位推荐"],
                        ["被裁员了找不到工作", "公司倒闭了在家闲着", "想学门手艺找个活干", "到处投简历没人要"],
                        ["就业援助专场招聘会"],
                        ["我们公司在招人，欢迎投简历", "单位加班太多了"]),
            "childcare": Need("childcare", lambda r, a: "婴幼儿家庭" in r["tags"] and r["hukou"] in ("本区", "外区"), 0.6,
                              ["社区托育点在哪里", "想给孩子报托班"],
                              ["孩子太小没人带", "上班了娃没人管", "老人带不动孩子", "宝宝没人看"],
                              ["宝宝屋开放预约"],
                              ["孩子上初中了作业太多", "小区里小孩玩滑板太吵"]),
            "retrofit": Need("retrofit", old60, 0.15,
                             ["想申请居家适老化改造", "家里想装个扶手"],
                             ["卫生间地太滑怕摔", "洗澡摔了一跤", "上厕所起不来", "门口台阶太高"],
                             ["适老化改造样板间参观"],
                             ["小区门口的台阶修好了", "装修房子找谁好"]),
            "aids": Need("aids", has("残疾"), 0.55,
                         ["辅具租赁在哪办", "想申请康复辅助器具"],
                         ["轮椅坏了想换个", "耳朵听不见要助听器", "腿不能动出门难"],
                         ["残疾人辅具适配服务"],
                         ["无障碍车位被占了", "超市门口的轮椅坡道不错"]),
            "ltc": Need("ltc", lambda r, a: a >= 60 and r["hukou"] in ("本区", "外区") and "失能" in r["tags"], 0.7,
                        ["长期护理保险怎么申请", "想申请长护险"],
                        ["老人瘫在床上离不开人", "生活不能自理要人护理", "请护工太贵了"],
                        ["长护险评估流程"],
                        ["护理专业的学生来社区实习", "医院护士态度很好"]),
            "visit": Need("visit", lambda r, a: a >= 65 and "独居" in r["tags"], 0.5,
                          ["希望有人上门探访"],
                          ["一个人住没人说话", "孩子都在外地没人陪", "一个人住怕出事没人知道", "好几天没人说话"],
                          ["老伙伴计划志愿者招募"],
                          ["今天去看望了楼上的独居老人", "我们志愿者上门陪老人聊天"]),
            "medical": Need("medical", lambda r, a: bool({"低保", "低收入"} & set(r["tags"])), 0.5,
                            ["医疗救助怎么申请", "看病能不能减免"],
                            ["住院费交不起", "看病花光了积蓄", "药费太贵了吃不消"],
                            ["医疗救助政策解读"],
                            ["医院停车太难了", "社区医院新来了医生"]),
            "veteran": Need("veteran", has("退役军人"), 0.5,
                            ["退役军人有没有就业推荐", "想申请创业担保贷款"],
                            ["退伍后一直没找到工作", "从部队回来想自己开个店"],
                            ["退役军人服务站揭牌"],
                            ["建军节看阅兵很激动", "儿子想去当兵"]),
            "chronic": Need("chronic", lambda r, a: a >= 60 and "慢性病" in r["tags"], 0.6,
                            ["长处方能开多久", "家庭医生能不能送药上门"],
                            ["每个月都要去医院配降压药", "配药跑医院太麻烦", "血糖高天天吃药"],
                            ["家庭医生签约服务"],
                            ["药店打折买了保健品", "体检报告出来了一切正常"]),
        }
    # The test district: phrasings written separately, never used to tune anything.
    return {
        "meal": Need("meal", lambda r, a: old60(r, a) and bool({"独居", "空巢", "孤寡"} & set(r["tags"])), 0.5,
                     ["长者食堂就餐优惠怎么享受", "社区食堂能送饭到家吗"],
                     ["老太婆一个人烧饭烧不动了", "中午随便啃两口面包对付", "灶头都好久没开火了", "手抖拿不动锅铲",
                      "饭菜天天剩的热了又热"],
                     ["长者食堂菜单公布", "银发餐桌上线"],
                     ["网红餐厅排队两小时", "外卖送错了地址"]),
        "elevator": Need("elevator", lambda r, a: r["hukou"] == "本区", 0.12,
                         ["楼里想搞加梯", "增设电梯资金补贴有多少"],
                         ["住顶楼膝盖受不了", "每天上五楼歇三回", "买菜回来拎到七楼累死", "腿关节痛楼梯爬不上去"],
                         ["老公房加梯一站式办理"],
                         ["电梯按钮失灵了", "电梯里有人抽烟"]),
        "relief": Need("relief", lambda r, a: r["hukou"] == "本区", 0.06,
                       ["急难救助哪里申请", "临时遇到困难能不能救助"],
                       ["老公出车祸家里一下子垮了", "房子着火什么都没了", "这个月房租都凑不齐", "孩子生病把钱都花光了日子没法过"],
                       ["急难型临时救助问答"],
                       ["单位组织爱心义卖", "红十字会募捐活动"]),
        "job": Need("job", lambda r, a: 16 <= a <= 59 and r["hukou"] == "本区" and "失业" in r["tags"], 0.7,
                    ["再就业培训怎么报名", "有没有托底岗位"],
                    ["厂里效益不好把我们都辞了", "四十多岁了没单位要", "在家待业半年了", "想找份保安保洁的活"],
                    ["专场招聘会岗位清单"],
                    ["我们店招服务员包吃住", "跳槽涨了工资"]),
        "childcare": Need("childcare", lambda r, a: "婴幼儿家庭" in r["tags"], 0.6,
                          ["宝宝屋怎么预约", "托育服务收费多少"],
                          ["产假结束孩子交给谁", "双职工孩子一岁多没人照看", "婆婆回老家了娃没人带"],
                          ["宝宝屋育儿讲座"],
                          ["孩子高考志愿怎么填", "小学生课后作业太多"]),
        "retrofit": Need("retrofit", old60, 0.15,
                         ["适老化改造补贴申请", "想装卫生间扶手"],
                         ["浴室地砖一沾水就打滑", "老伴半夜起来摔倒了", "马桶太矮坐下去站不起来", "家里门槛绊了好几次"],
                         ["适老化改造产品展"],
                         ["楼道扶手油漆掉了", "新房装修用什么地砖"]),
        "aids": Need("aids", has("残疾"), 0.55,
                     ["康复辅具适配怎么评估", "免费轮椅怎么领"],
                     ["假肢用久了磨腿", "助听器没电了也没钱换", "拐杖断了走不了路"],
                     ["辅具适配服务进社区"],
                     ["盲道上停满了自行车", "残奥会比赛很精彩"]),
        "ltc": Need("ltc", lambda r, a: a >= 60 and r["hukou"] in ("本区", "外区") and "失能" in r["tags"], 0.7,
                    ["长护险上门照护怎么申请", "照护等级评估去哪里做"],
                    ["老父亲卧床三年了翻身都要人", "喂饭擦身全靠我一个人", "家里老人吃喝拉撒都在床上"],
                    ["长护险照护服务清单"],
                    ["宠物医院收费太贵", "护工培训班结业了"]),
        "visit": Need("visit", lambda r, a: a >= 65 and "独居" in r["tags"], 0.5,
                      ["想参加守护计划"],
                      ["屋里静得只听见钟响", "儿子在美国一年回来一次", "老头子走后就剩我了", "晚上心慌怕没人发现"],
                      ["独居长者守护计划启动"],
                      ["社区开展敬老志愿活动", "给楼下阿婆送了月饼"]),
        "medical": Need("medical", lambda r, a: bool({"低保", "低收入"} & set(r["tags"])), 0.5,
                        ["医疗费减免怎么办", "住院自付部分能不能救助"],
                        ["化疗一次好几千实在负担不起", "透析的钱快凑不出来了", "看一次病半个月工资没了"],
                        ["医疗救助政策问答"],
                        ["挂号要排好久", "医院食堂饭菜一般"]),
        "veteran": Need("veteran", has("退役军人"), 0.5,
                        ["老兵帮扶怎么申请", "退役军人技能培训在哪报名"],
                        ["退伍回来学历低找不到合适的活", "在部队干了十二年出来啥也不会"],
                        ["退役军人关爱帮扶活动"],
                        ["军训的学生晒黑了", "看了部战争片"]),
        "chronic": Need("chronic", lambda r, a: a >= 60 and "慢性病" in r["tags"], 0.6,
                        ["长处方怎么开", "药能送到家吗"],
                        ["胰岛素每半个月就要跑一趟医院", "降糖药配一次只给两周", "血压药天天吃，配药排队累"],
                        ["家门口配药服务开通"],
                        ["跑步锻炼身体好", "中药养生讲座"]),
    }


NOISE = {
    "tuning": ["小区垃圾分类做得不错", "停车位太少了", "楼上装修太吵", "今天社区活动很热闹", "广场舞音乐太响",
               "快递柜满了", "小区绿化修剪了", "物业费又涨了", "周末有没有亲子活动", "下水道堵了找谁",
               "菜场搬到哪里去了", "共享单车乱停", "楼道灯坏了", "社区合唱团招人", "新开了一家超市"],
    "test": ["门口马路又开挖了", "小区猫太多晚上叫", "今年桂花开得真香", "健身步道修好了", "居委组织看电影",
             "快递总是放门口", "隔壁养狗不牵绳", "小区门禁卡失灵", "河道清理干净了", "社区书屋新到了书",
             "夏天蚊子多", "公交站台移了位置", "物业保安换人了", "业委会换届选举", "围墙上的涂鸦"],
}
TEMPLATES = {
    "tuning": ["{p}", "{p}，怎么办", "请问{p}", "{p}，居委能帮忙吗", "唉，{p}", "{p}！！"],
    "test": ["{p}…", "各位邻居，{p}", "{p}，有谁知道找哪个部门", "说句心里话，{p}", "{p}，愁死了", "求助：{p}"],
}


def residents(rng: random.Random, n: int, today: dt.date) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        age = int(min(99, max(0, rng.gauss(48, 21))))
        birth = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
        hukou = rng.choices(["本区", "外区", "外省市"], [0.68, 0.14, 0.18])[0]
        tags: set[str] = set()
        if age >= 60:
            for t, p in (("独居", 0.18), ("空巢", 0.2), ("孤寡", 0.04), ("失能", 0.07), ("慢性病", 0.35)):
                if rng.random() < p:
                    tags.add(t)
        if 16 <= age <= 59 and rng.random() < 0.06:
            tags.add("失业")
        if 20 <= age <= 42 and rng.random() < 0.12:
            tags.add("婴幼儿家庭")
        if 20 <= age <= 40 and rng.random() < 0.03:
            tags.add("孕产妇")
        for t, p in (("残疾", 0.04), ("低保", 0.03), ("低收入", 0.04), ("退役军人", 0.03)):
            if rng.random() < p:
                tags.add(t)
        sub = rng.choice(SUBDISTRICTS)
        out.append({"id": f"r{i:06d}", "birth_date": birth.isoformat(), "sex": rng.choice("MF"), "hukou": hukou,
                    "subdistrict": sub, "community": f"{sub[:2]}第{rng.randint(1, 40)}居委", "tags": sorted(tags)})
    return out


def generate(district: str, n: int, n_events: int, seed: int) -> tuple[list, list, list, dict]:
    rng = random.Random(seed)
    today = dt.date(2026, 12, 1)
    people = residents(rng, n, today)
    pols = TUNING_POLICIES if district == "tuning" else TEST_POLICIES
    nd = needs(district)
    truth: dict[str, list[str]] = {f"p{i + 1:02d}": [] for i in range(len(pols))}
    key_to_pid = {key: f"p{i + 1:02d}" for i, (key, _t, _x) in enumerate(pols)}
    events: list[dict[str, Any]] = []
    end = dt.datetime(2026, 12, 1, 12, tzinfo=TZ)

    def when() -> str:
        return (end - dt.timedelta(days=rng.uniform(0, 720), seconds=rng.randint(0, 86400))).isoformat()

    templates = TEMPLATES[district]
    all_conf = [c for need in nd.values() for c in need.confounders]
    for r in people:
        age = _age(r, today)
        my_needs = []
        for need in nd.values():
            ok = need.eligible(r, age)
            # Residents who fail a condition may still say the need (they are not in the truth).
            if rng.random() < (need.share if ok else need.share * 0.15):
                my_needs.append((need, ok))
        for need, ok in my_needs:
            if ok:
                truth[key_to_pid[need.key]].append(r["id"])
            colloquial_only = rng.random() < 0.6
            for _ in range(rng.randint(1, 3)):
                pool = need.colloquial if colloquial_only or rng.random() < 0.5 else need.formal
                text = rng.choice(templates).format(p=rng.choice(pool))
                events.append({"resident": r["id"], "type": rng.choice(["post", "post", "reply", "letter", "case"]),
                               "text": text, "time": when(), "target": ""})
            if rng.random() < 0.5:
                events.append({"resident": r["id"], "type": rng.choice(["read", "like"]),
                               "text": rng.choice(need.articles), "time": when(), "target": "article"})
    # Noise and confounders up to the requested number of events.
    ids = [r["id"] for r in people]
    while len(events) < n_events:
        rid = rng.choice(ids)
        x = rng.random()
        if x < 0.12:
            text = rng.choice(all_conf)
            typ = rng.choice(["post", "reply", "letter"])
        elif x < 0.2:
            text = rng.choice([a for need in nd.values() for a in need.articles])
            typ = "read"
        else:
            text = rng.choice(templates).format(p=rng.choice(NOISE[district]))
            typ = rng.choice(["post", "reply", "reply", "read", "like", "case"])
        events.append({"resident": rid, "type": typ, "text": text, "time": when(), "target": ""})
    rng.shuffle(events)
    policies = [{"id": f"p{i + 1:02d}", "title": t, "text": x} for i, (_k, t, x) in enumerate(pols)]
    return people, events, policies, truth


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--district", choices=["tuning", "test"], required=True)
    ap.add_argument("--residents", type=int, default=3000)
    ap.add_argument("--events", type=int, default=0, help="default: 10 per resident")
    ap.add_argument("--seed", type=int, default=0, help="default: 11 for tuning, 2027 for test")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    seed = args.seed or (11 if args.district == "tuning" else 2027)
    people, events, policies, truth = generate(args.district, args.residents, args.events or args.residents * 10, seed)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, rows in (("residents", people), ("events", events), ("policies", policies)):
        with (out / f"{name}.jsonl").open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    (out / "truth.json").write_text(json.dumps(truth, ensure_ascii=False), encoding="utf-8")
    print(json.dumps({k: len(v) for k, v in truth.items()}))


if __name__ == "__main__":
    main()
